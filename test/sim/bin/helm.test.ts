import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type Sim } from '../../../sim/index.js';
import { releaseFromSecret } from '../../../sim/istio/helm-release.js';
import { SIM_BIN, lastSeq, runTool, writesSince } from './support.js';

const HELM = `${SIM_BIN}helm`;

interface ListedRelease {
  name: string;
  namespace: string;
  revision: string;
  status: string;
  chart: string;
  app_version: string;
}

describe('the helm stand-in on a sidecar mesh installed with Helm 1.26', { timeout: 180_000 }, () => {
  let sim: Sim;
  const dir = mkdtempSync(join(tmpdir(), 'helm-values-'));
  const helm = (args: string[]) => runTool(sim, HELM, args);
  const list = async (args: string[]) =>
    JSON.parse((await helm(['list', ...args, '-o', 'json'])).stdout) as ListedRelease[];

  beforeAll(async () => {
    sim = await startSim({
      scenario: {
        name: 'helm-stand-in',
        timing: { podReadySeconds: 2, jobRunSeconds: 2 },
        nodes: 2,
        istio: { installer: 'helm', version: '1.26.4' },
        namespaces: [
          { name: 'bookinfo', labels: { 'istio-injection': 'enabled' }, deployments: [{ name: 'reviews-v1' }] },
        ],
        faults: [{ kind: 'neverReady', deployment: 'stuck-gateway', namespace: 'istio-ingress' }],
      },
      timeScale: 20,
    });
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await sim.stop();
  });

  it('lists the releases the scenario installed, as helm prints them in JSON (revision as a string)', async () => {
    expect(await list(['-n', 'istio-system'])).toEqual([
      expect.objectContaining({
        name: 'istio-base',
        namespace: 'istio-system',
        revision: '1',
        status: 'deployed',
        chart: 'base-1.26.4',
        app_version: '1.26.4',
      }),
      expect.objectContaining({ name: 'istiod', revision: '1', chart: 'istiod-1.26.4' }),
    ]);
    expect(await list(['-n', 'bookinfo'])).toEqual([]);
    expect((await list(['-A'])).map((r) => r.name)).toEqual(['istio-base', 'istiod']);
    expect(sim.writeLog).toEqual([]);
  });

  it('installs a revisioned istiod with upgrade --install --set revision, waits for it, and records release v1', async () => {
    const run = await helm([
      'upgrade',
      '--install',
      'istiod-1-27-3',
      'istio/istiod',
      '-n',
      'istio-system',
      '--version',
      '1.27.3',
      '--set',
      'revision=1-27-3',
      '--wait',
      '--timeout',
      '2m',
    ]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toContain('Release "istiod-1-27-3" does not exist. Installing it now.');
    expect(run.stdout).toContain('STATUS: deployed');
    const istiod = sim.get('deployments', 'istio-system', 'istiod-1-27-3');
    expect(istiod?.metadata.labels).toMatchObject({ 'istio.io/rev': '1-27-3', 'app.kubernetes.io/managed-by': 'Helm' });
    expect((istiod?.status as { availableReplicas?: number }).availableReplicas).toBe(1);
    const secret = sim.get('secrets', 'istio-system', 'sh.helm.release.v1.istiod-1-27-3.v1');
    expect(secret?.metadata.labels).toMatchObject({
      owner: 'helm',
      name: 'istiod-1-27-3',
      status: 'deployed',
      version: '1',
    });
    expect(releaseFromSecret(secret ?? { apiVersion: 'v1', kind: 'Secret', metadata: { name: '' } })).toMatchObject({
      chart: 'istiod',
      version: '1.27.3',
      values: { revision: '1-27-3' },
    });
    expect(await list(['-n', 'istio-system', '--filter', '^istiod-1-27-3$'])).toEqual([
      expect.objectContaining({ name: 'istiod-1-27-3', chart: 'istiod-1.27.3', revision: '1' }),
    ]);
  });

  it('answers the adapter’s calls: list --all --filter, get values, upgrade --install with a values file; each run adds a revision', async () => {
    const listArgs = [
      'list',
      '--namespace',
      'istio-system',
      '--all',
      '--filter',
      '^istiod-1-27-3$',
      '--output',
      'json',
    ];
    expect(JSON.parse((await helm(listArgs)).stdout)).toEqual([
      expect.objectContaining({ name: 'istiod-1-27-3', status: 'deployed' }),
    ]);
    expect(
      JSON.parse(
        (await helm(['get', 'values', 'istiod-1-27-3', '--namespace', 'istio-system', '--output', 'json'])).stdout,
      ),
    ).toEqual({ revision: '1-27-3' });
    expect((await helm(['get', 'values', 'istiod', '--namespace', 'istio-system', '--output', 'json'])).stdout).toBe(
      'null',
    );

    const file = join(dir, 'values.json');
    writeFileSync(file, JSON.stringify({ revision: '1-27-3', pilot: { env: { ENABLE_NATIVE_SIDECARS: 'false' } } }));
    const run = await helm([
      'upgrade',
      '--install',
      'istiod-1-27-3',
      'istio/istiod',
      '--namespace',
      'istio-system',
      '--version',
      '1.27.3',
      '--values',
      file,
      '--wait',
      '--timeout',
      '60s',
    ]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toContain('Release "istiod-1-27-3" has been upgraded. Happy Helming!');
    expect(sim.get('secrets', 'istio-system', 'sh.helm.release.v1.istiod-1-27-3.v1')?.metadata.labels?.status).toBe(
      'superseded',
    );
    expect(sim.get('secrets', 'istio-system', 'sh.helm.release.v1.istiod-1-27-3.v2')?.metadata.labels?.status).toBe(
      'deployed',
    );
    const env = (
      sim.get('deployments', 'istio-system', 'istiod-1-27-3')?.spec as {
        template: { spec: { containers: Array<{ env: unknown[] }> } };
      }
    ).template.spec.containers[0]?.env;
    expect(env).toContainEqual({ name: 'ENABLE_NATIVE_SIDECARS', value: 'false' });

    const status = JSON.parse((await helm(['status', 'istiod-1-27-3', '-n', 'istio-system', '-o', 'json'])).stdout) as {
      version: number;
      info: { status: string };
    };
    expect(status).toMatchObject({ version: 2, info: { status: 'deployed' } });
    expect((await helm(['status', 'istiod-1-27-3', '-n', 'istio-system'])).stdout.split('\n').slice(2, 5)).toEqual([
      'NAMESPACE: istio-system',
      'STATUS: deployed',
      'REVISION: 2',
    ]);
  });

  it('needs --create-namespace for a new namespace, then installs an injected gateway; --wait fails a rollout that never becomes ready', async () => {
    const missing = await helm(['upgrade', '--install', 'istio-ingress', 'gateway', '-n', 'istio-ingress']);
    expect(missing).toMatchObject({
      exitCode: 1,
      stderr: 'Error: INSTALLATION FAILED: create: failed to create: namespaces "istio-ingress" not found',
    });
    const ok = await helm([
      'upgrade',
      '--install',
      'istio-ingress',
      'istio/gateway',
      '-n',
      'istio-ingress',
      '--create-namespace',
      '--version',
      '1.26.4',
      '--wait',
    ]);
    expect(ok.exitCode, ok.stderr).toBe(0);
    const pod = sim.list('pods', 'istio-ingress').find((p) => p.metadata.labels?.app === 'istio-ingress');
    expect((pod?.spec as { containers: Array<{ image: string }> }).containers[0]?.image).toBe(
      'docker.io/istio/proxyv2:1.26.4',
    );

    const stuck = await helm([
      'upgrade',
      '--install',
      'stuck-gateway',
      'istio/gateway',
      '-n',
      'istio-ingress',
      '--version',
      '1.26.4',
      '--wait',
      '--timeout',
      '3s',
    ]);
    expect(stuck).toMatchObject({ exitCode: 1, stderr: 'Error: INSTALLATION FAILED: context deadline exceeded' });
    expect(await list(['-n', 'istio-ingress', '--filter', 'stuck'])).toEqual([
      expect.objectContaining({ name: 'stuck-gateway', status: 'failed' }),
    ]);
  });

  it('uninstalls a release: its objects and its history go', async () => {
    const run = await helm(['uninstall', 'istiod-1-27-3', '-n', 'istio-system']);
    expect(run).toMatchObject({ exitCode: 0, stdout: 'release "istiod-1-27-3" uninstalled' });
    expect(sim.get('deployments', 'istio-system', 'istiod-1-27-3')).toBeUndefined();
    expect(sim.get('mutatingwebhookconfigurations', undefined, 'istio-sidecar-injector-1-27-3')).toBeUndefined();
    expect(sim.list('secrets', 'istio-system').filter((s) => s.metadata.labels?.name === 'istiod-1-27-3')).toEqual([]);
    expect(await helm(['uninstall', 'istiod-1-27-3', '-n', 'istio-system'])).toMatchObject({
      exitCode: 1,
      stderr: 'Error: uninstall: Release not loaded: istiod-1-27-3: release: not found',
    });
  });

  it('fails on unknown flags and commands as helm does, without touching the cluster', async () => {
    const before = lastSeq(sim);
    expect(await helm(['list', '--foo'])).toMatchObject({ exitCode: 1, stderr: 'Error: unknown flag: --foo' });
    // helm names the context flag --kube-context; kubectl's --context is unknown to it.
    expect(await helm(['list', '--context', 'sim'])).toMatchObject({
      exitCode: 1,
      stderr: 'Error: unknown flag: --context',
    });
    expect((await helm(['frobnicate'])).stderr.split('\n')[0]).toBe('Error: unknown command "frobnicate" for "helm"');
    expect(await helm(['upgrade', '--install', 'x', 'other/istiod', '-n', 'istio-system'])).toMatchObject({
      exitCode: 1,
      stderr: 'Error: repo other not found',
    });
    expect(writesSince(sim, before)).toEqual([]);
  });
});
