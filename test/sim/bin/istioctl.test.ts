import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProxyStatus } from '../../../activities/istioctl/proxy-status.js';
import type { KubeObject } from '../../../sim/api/object.js';
import { startSim, type Sim } from '../../../sim/index.js';
import { injectedRevision } from '../../../sim/istio/injection.js';
import type { Pod } from '../../../sim/controllers/shapes.js';
import { eventually } from '../support.js';
import { SIM_BIN, lastSeq, linkIstioctls, runTool, writesSince } from './support.js';

const ISTIOCTL = `${SIM_BIN}istioctl`;
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const proxyImage = (p: KubeObject): string | undefined =>
  [...((p as Pod).spec.initContainers ?? []), ...(p as Pod).spec.containers].find((c) => c.name === 'istio-proxy')
    ?.image;

describe('the istioctl stand-in on a sidecar mesh installed with istioctl 1.26', { timeout: 180_000 }, () => {
  let sim: Sim;
  let core: CoreV1Api;
  const links = linkIstioctls(['1.27', '1.28', '1.28.1']);
  const podsOf = (ns: string, app: string) =>
    sim.list('pods', ns).filter((p) => p.metadata.labels?.app === app && !p.metadata.deletionTimestamp);

  beforeAll(async () => {
    sim = await startSim({
      scenario: {
        name: 'istioctl-stand-in',
        timing: { podReadySeconds: 2, jobRunSeconds: 2 },
        nodes: 2,
        istio: { installer: 'istioctl', version: '1.26.4', gateways: [{ name: 'istio-ingressgateway', replicas: 1 }] },
        namespaces: [
          {
            name: 'bookinfo',
            labels: { 'istio-injection': 'enabled' },
            deployments: [
              { name: 'productpage-v1', replicas: 2 },
              { name: 'reviews-v1', replicas: 1 },
            ],
          },
          { name: 'canary', labels: { 'istio.io/rev': 'prod' } },
        ],
      },
      timeScale: 20,
    });
    const kc = new KubeConfig();
    kc.loadFromFile(sim.kubeconfigPath);
    core = kc.makeApiClient(CoreV1Api);
  });
  afterAll(async () => {
    links.remove();
    await sim.stop();
  });

  it('claims the release it was installed as: by its name, by environment, else 1.26.4', async () => {
    expect((await runTool(sim, links.path('1.27'), ['version', '--remote=false'])).stdout).toBe('1.27.3');
    expect((await runTool(sim, links.path('1.28.1'), ['version', '--remote=false'])).stdout).toBe('1.28.1');
    expect(
      (await runTool(sim, ISTIOCTL, ['version', '--remote=false'], { SIM_ISTIOCTL_VERSION: '1.27.1' })).stdout,
    ).toBe('1.27.1');
    const plain = await runTool(sim, ISTIOCTL, ['version']);
    expect(plain.stdout.split('\n')).toEqual([
      'client version: 1.26.4',
      'control plane version: 1.26.4',
      'data plane version: 1.26.4 (4 proxies)',
    ]);
  });

  it('fails on unknown flags and commands the way istioctl does', async () => {
    expect(await runTool(sim, ISTIOCTL, ['proxy-status', '--foo'])).toMatchObject({
      exitCode: 1,
      stderr: 'Error: unknown flag: --foo',
    });
    expect(await runTool(sim, ISTIOCTL, ['install', '-z'])).toMatchObject({
      exitCode: 1,
      stderr: "Error: unknown shorthand flag: 'z' in -z",
    });
    const unknown = await runTool(sim, ISTIOCTL, ['foo']);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr.split('\n')[0]).toBe('Error: unknown command "foo" for "istioctl"');
    expect(sim.writeLog).toEqual([]);
  });

  it('lists the bookinfo proxies and the gateway in proxy-status, in 1.26’s xDS layout, with their istiod and version', async () => {
    const run = await runTool(sim, ISTIOCTL, ['proxy-status']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout.split('\n')[0]).toMatch(
      /^NAME {2,}CLUSTER {2,}CDS {2,}LDS {2,}EDS {2,}RDS {2,}ECDS {2,}ISTIOD {2,}VERSION$/,
    );
    const rows = parseProxyStatus(run.stdout);
    const istiod = sim.list('pods', 'istio-system').find((p) => p.metadata.labels?.app === 'istiod')?.metadata.name;
    expect(rows.map((r) => r.namespace).sort()).toEqual(['bookinfo', 'bookinfo', 'bookinfo', 'istio-system']);
    expect(rows.every((r) => r.version === '1.26.4' && r.istiod === istiod && r.synced)).toBe(true);
    expect(
      rows
        .filter((r) => r.namespace === 'bookinfo')
        .map((r) => r.pod)
        .sort(),
    ).toEqual(
      [...podsOf('bookinfo', 'productpage'), ...podsOf('bookinfo', 'reviews')].map((p) => p.metadata.name).sort(),
    );
  });

  it('reports a clean precheck without writing, and a workload running as the proxy UID as IST0144', async () => {
    const before = lastSeq(sim);
    const clean = await runTool(sim, ISTIOCTL, ['x', 'precheck']);
    expect(clean).toMatchObject({ exitCode: 0 });
    expect(clean.stdout).toContain('No issues found when checking the cluster. Istio is safe to install or upgrade!');
    expect(writesSince(sim, before)).toEqual([]);

    await core.createNamespacedPod({
      namespace: 'bookinfo',
      body: {
        metadata: { name: 'uid-1337' },
        spec: { securityContext: { runAsUser: 1337 }, containers: [{ name: 'app', image: 'app:1' }] },
      },
    });
    await eventually(
      () =>
        sim.get('pods', 'bookinfo', 'uid-1337')?.status &&
        (sim.get('pods', 'bookinfo', 'uid-1337')?.status as { phase?: string }).phase === 'Running',
    );
    const found = await runTool(sim, ISTIOCTL, ['x', 'precheck']);
    expect(found.exitCode).toBe(0);
    expect(found.stdout).toContain(
      'Warning [IST0144] (Pod bookinfo/uid-1337) User ID (UID) 1337 is reserved for the sidecar proxy.',
    );
    expect((await runTool(sim, ISTIOCTL, ['x', 'precheck', '--revision', '1-27-3'])).stdout).toContain(
      'No issues found',
    );
    await core.deleteNamespacedPod({ namespace: 'bookinfo', name: 'uid-1337' });
  });

  it('installs a 1.27 revision beside 1.26, as the adapter calls it, and a second identical install writes nothing', async () => {
    const args = [
      'install',
      '-y',
      '--revision',
      '1-27-3',
      '--set',
      'profile=minimal',
      '--set',
      'values.pilot.env.ENABLE_NATIVE_SIDECARS=false',
    ];
    const first = await runTool(sim, links.path('1.27'), args);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout).toContain('✔ Installation complete');
    const istiod = sim.get('deployments', 'istio-system', 'istiod-1-27-3');
    const container = (
      istiod?.spec as {
        template: { spec: { containers: Array<{ image: string; env: Array<{ name: string; value: string }> }> } };
      }
    ).template.spec.containers[0];
    expect(container?.image).toBe('docker.io/istio/pilot:1.27.3');
    expect(container?.env).toContainEqual({ name: 'ENABLE_NATIVE_SIDECARS', value: 'false' });
    for (const [resource, name] of [
      ['services', 'istiod-1-27-3'],
      ['configmaps', 'istio-1-27-3'],
    ])
      expect(sim.get(resource ?? '', 'istio-system', name ?? '')).toBeDefined();
    expect(sim.get('mutatingwebhookconfigurations', undefined, 'istio-sidecar-injector-1-27-3')).toBeDefined();
    expect(sim.get('deployments', 'istio-system', 'istiod')?.metadata.labels?.['operator.istio.io/version']).toBe(
      '1.26.4',
    );

    const before = lastSeq(sim);
    const again = await runTool(sim, links.path('1.27'), args);
    expect(again.exitCode).toBe(0);
    expect(writesSince(sim, before)).toEqual([]);
  });

  it('injects the 1.27 proxy into bookinfo after the namespace moves to the revision and reviews-v1 restarts', async () => {
    await core.patchNamespace(
      { name: 'bookinfo', body: { metadata: { labels: { 'istio-injection': null, 'istio.io/rev': '1-27-3' } } } },
      mergePatch,
    );
    const old = podsOf('bookinfo', 'reviews').map((p) => p.metadata.name);
    await runTool(sim, ISTIOCTL, ['version', '--remote=false']);
    const kc = new KubeConfig();
    kc.loadFromFile(sim.kubeconfigPath);
    const { AppsV1Api } = await import('@kubernetes/client-node');
    await kc.makeApiClient(AppsV1Api).patchNamespacedDeployment(
      {
        namespace: 'bookinfo',
        name: 'reviews-v1',
        body: { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': 'now' } } } } },
      },
      mergePatch,
    );
    const fresh = await eventually(() => {
      const pods = podsOf('bookinfo', 'reviews').filter(
        (p) => !old.includes(p.metadata.name) && (p.status as { phase?: string } | undefined)?.phase === 'Running',
      );
      return pods.length === 1 && podsOf('bookinfo', 'reviews').length === 1 ? pods[0] : undefined;
    });
    expect(injectedRevision(fresh as Pod)).toBe('1-27-3');
    expect(proxyImage(fresh)).toBe('docker.io/istio/proxyv2:1.27.3');

    const run = await runTool(sim, links.path('1.27'), ['proxy-status', '--revision', '1-27-3']);
    expect(run.stdout.split('\n')[0]).toMatch(/^NAME {2,}CLUSTER {2,}ISTIOD {2,}VERSION {2,}SUBSCRIBED TYPES$/);
    const rows = parseProxyStatus(run.stdout);
    expect(rows).toEqual([
      expect.objectContaining({ pod: fresh.metadata.name, namespace: 'bookinfo', version: '1.27.3', synced: true }),
    ]);
    expect(rows[0]?.istiod).toMatch(/^istiod-1-27-3-/);
  });

  it('moves injection with tag set, refusing to overwrite without --overwrite', async () => {
    const createPod = async () =>
      (
        await core.createNamespacedPod({
          namespace: 'canary',
          body: { metadata: { generateName: 'p-' }, spec: { containers: [{ name: 'app', image: 'app:1' }] } },
        })
      ).metadata?.name ?? '';
    expect((await runTool(sim, ISTIOCTL, ['tag', 'set', 'prod', '--revision', 'default', '-y'])).exitCode).toBe(0);
    expect(proxyImage(sim.get('pods', 'canary', await createPod()) as KubeObject)).toBe(
      'docker.io/istio/proxyv2:1.26.4',
    );

    const refused = await runTool(sim, ISTIOCTL, ['tag', 'set', 'prod', '--revision', '1-27-3', '-y']);
    expect(refused).toMatchObject({
      exitCode: 1,
      stderr: 'Error: revision tag "prod" already exists, and --overwrite is false',
    });
    const unconfirmed = await runTool(sim, ISTIOCTL, ['tag', 'set', 'prod', '--revision', '1-27-3', '--overwrite']);
    expect(unconfirmed.exitCode).toBe(1);
    expect(unconfirmed.stderr).toContain('[canary]');

    expect(
      (await runTool(sim, links.path('1.27'), ['tag', 'set', 'prod', '--revision', '1-27-3', '--overwrite', '-y']))
        .exitCode,
    ).toBe(0);
    const webhook = sim
      .list('mutatingwebhookconfigurations')
      .find((w) => w.metadata.labels?.['istio.io/tag'] === 'prod');
    expect(webhook?.metadata.labels).toMatchObject({ 'istio.io/tag': 'prod', 'istio.io/rev': '1-27-3' });
    expect(proxyImage(sim.get('pods', 'canary', await createPod()) as KubeObject)).toBe(
      'docker.io/istio/proxyv2:1.27.3',
    );
    expect((await runTool(sim, ISTIOCTL, ['tag', 'list'])).stdout.split('\n').slice(0, 2)).toEqual([
      'TAG  REVISION NAMESPACES',
      'prod 1-27-3   canary',
    ]);

    const before = lastSeq(sim);
    expect(
      (await runTool(sim, ISTIOCTL, ['tag', 'set', 'prod', '--revision', '1-27-3', '--overwrite', '-y'])).exitCode,
    ).toBe(0);
    expect(writesSince(sim, before)).toEqual([]);

    expect((await runTool(sim, ISTIOCTL, ['tag', 'remove', 'prod'])).exitCode).toBe(1);
    expect(await runTool(sim, ISTIOCTL, ['tag', 'remove', 'prod', '-y'])).toMatchObject({
      exitCode: 0,
      stdout: 'Revision tag prod removed',
    });
    expect(sim.list('mutatingwebhookconfigurations').some((w) => w.metadata.labels?.['istio.io/tag'] === 'prod')).toBe(
      false,
    );
  });

  it('refuses an upgrade that skips a minor, and upgrades the revision-less control plane and gateway one minor in place', async () => {
    const skip = await runTool(sim, links.path('1.28'), ['upgrade', '-y']);
    expect(skip.exitCode).toBe(1);
    expect(skip.stderr).toContain('upgrade is currently not supported: 1.26.4 -> 1.28.0');
    const up = await runTool(sim, links.path('1.27'), ['upgrade', '-y']);
    expect(up.exitCode, up.stderr).toBe(0);
    expect(up.stdout).toContain('Upgrade version check passed: 1.26.4 -> 1.27.3.');
    expect(sim.get('deployments', 'istio-system', 'istiod')?.metadata.labels?.['operator.istio.io/version']).toBe(
      '1.27.3',
    );
    const gateway = sim.get('deployments', 'istio-system', 'istio-ingressgateway');
    // `image: auto`: the proxy comes from the gateway injection template; the new stamp rolls the pods.
    const template = (gateway?.spec as { template: { metadata: { labels: Record<string, string> } } }).template;
    expect(template.metadata.labels['operator.istio.io/version']).toBe('1.27.3');
    expect((gateway?.spec as { replicas: number }).replicas).toBe(1);
    const proxies = await eventually(() => {
      const each = podsOf('istio-system', 'istio-ingressgateway').map((p) =>
        [...((p as Pod).spec.initContainers ?? []), ...(p as Pod).spec.containers]
          .filter((c) => c.name === 'istio-proxy')
          .map((c) => c.image),
      );
      return each.length === 1 && each[0]?.includes('docker.io/istio/proxyv2:1.27.3') ? each : undefined;
    });
    expect(proxies).toEqual([['docker.io/istio/proxyv2:1.27.3']]);
  });

  it('uninstalls a revision with --revision, and refuses to remove the last control plane without --purge', async () => {
    await core.patchNamespace(
      { name: 'bookinfo', body: { metadata: { labels: { 'istio.io/rev': null, 'istio-injection': 'enabled' } } } },
      mergePatch,
    );
    const removed = await runTool(sim, ISTIOCTL, ['uninstall', '-y', '--revision', '1-27-3']);
    expect(removed.exitCode, removed.stderr).toBe(0);
    expect(removed.stdout).toContain('proxies pointing to the control plane revision 1-27-3');
    expect(sim.get('deployments', 'istio-system', 'istiod-1-27-3')).toBeUndefined();
    expect(sim.get('mutatingwebhookconfigurations', undefined, 'istio-sidecar-injector-1-27-3')).toBeUndefined();
    expect(sim.get('configmaps', 'istio-system', 'istio-1-27-3')).toBeUndefined();

    const last = await runTool(sim, ISTIOCTL, ['uninstall', '-y', '--revision', 'default']);
    expect(last.exitCode).toBe(1);
    expect(last.stderr).toContain('is the only control plane');
    expect(sim.get('deployments', 'istio-system', 'istiod')).toBeDefined();
    expect((await runTool(sim, ISTIOCTL, ['uninstall', '-y'])).stderr).toBe(
      'Error: at least one of the --revision (or --set revision=<revision>), --filename or --purge flags must be set',
    );
  });
});

describe('the istioctl stand-in on an ambient mesh', { timeout: 180_000 }, () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSim({
      scenario: {
        name: 'istioctl-ambient',
        timing: { podReadySeconds: 2, jobRunSeconds: 2 },
        nodes: 2,
        istio: { installer: 'istioctl', mode: 'ambient', version: '1.26.4' },
        namespaces: [
          {
            name: 'bookinfo',
            labels: { 'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': 'waypoint' },
            waypoints: [{ name: 'waypoint' }],
            deployments: [{ name: 'ratings-v1' }],
          },
          { name: 'legacy', deployments: [{ name: 'batch-v1' }] },
        ],
      },
      timeScale: 20,
    });
  });
  afterAll(async () => sim.stop());

  it('lists ambient workloads as HBONE through the waypoint, and others as TCP', async () => {
    const run = await runTool(sim, ISTIOCTL, ['ztunnel-config', 'workloads', '--workload-namespace', 'bookinfo']);
    expect(run.exitCode, run.stderr).toBe(0);
    const [header, ...rows] = run.stdout.split('\n').map((l) => l.trim().split(/\s+/));
    expect(header).toEqual(['NAMESPACE', 'POD', 'NAME', 'ADDRESS', 'NODE', 'WAYPOINT', 'PROTOCOL']);
    const ratings = rows.find((r) => r[1]?.startsWith('ratings-v1-'));
    expect(ratings?.slice(4)).toEqual(['waypoint', 'HBONE']);
    expect(ratings?.[2]).toMatch(/^10\.244\./);
    const legacy = await runTool(sim, ISTIOCTL, ['ztunnel-config', 'workloads', '--workload-namespace', 'legacy']);
    expect(legacy.stdout.split('\n')[1]?.trim().split(/\s+/).slice(4)).toEqual(['None', 'TCP']);
  });

  it('installs an ambient revision without istio-cni and ztunnel when the IstioOperator switches them off, and then istio-cni alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'istio-operator-'));
    const file = join(dir, 'operator.yaml');
    writeFileSync(
      file,
      stringify({
        apiVersion: 'install.istio.io/v1alpha1',
        kind: 'IstioOperator',
        spec: { profile: 'ambient', components: { cni: { enabled: false }, ztunnel: { enabled: false } } },
      }),
    );
    const agentVersions = () =>
      ['istio-cni-node', 'ztunnel'].map(
        (name) => sim.get('daemonsets', 'istio-system', name)?.metadata.labels?.['app.kubernetes.io/version'],
      );
    const daemonSetWrites = (seq: number) =>
      writesSince(sim, seq)
        .filter((w) => w.resource === 'daemonsets')
        .map((w) => `${w.verb} ${w.name}`);
    try {
      const rendered = await runTool(sim, ISTIOCTL, ['manifest', 'generate', '--revision', '1-27-3', '-f', file], {
        SIM_ISTIOCTL_VERSION: '1.27.3',
      });
      expect(rendered.exitCode, rendered.stderr).toBe(0);
      expect(rendered.stdout).toContain('name: istiod-1-27-3');
      expect(rendered.stdout).not.toContain('kind: DaemonSet');

      const before = lastSeq(sim);
      const install = await runTool(sim, ISTIOCTL, ['install', '-y', '--revision', '1-27-3', '-f', file], {
        SIM_ISTIOCTL_VERSION: '1.27.3',
      });
      expect(install.exitCode, install.stderr).toBe(0);
      expect(install.stdout).not.toMatch(/CNI|Ztunnel/);
      expect(sim.get('deployments', 'istio-system', 'istiod-1-27-3')).toBeDefined();
      expect(daemonSetWrites(before)).toEqual([]);
      expect(agentVersions()).toEqual(['1.26.4', '1.26.4']);

      // `--set` on top of the file switches istio-cni back on; its text "true" reads as istioctl reads it.
      const cniSeq = lastSeq(sim);
      const cni = await runTool(
        sim,
        ISTIOCTL,
        ['install', '-y', '--revision', '1-27-3', '-f', file, '--set', 'components.cni.enabled=true'],
        { SIM_ISTIOCTL_VERSION: '1.27.3' },
      );
      expect(cni.exitCode, cni.stderr).toBe(0);
      expect(daemonSetWrites(cniSeq)).toEqual(['patch istio-cni-node']);
      expect(agentVersions()).toEqual(['1.27.3', '1.26.4']);

      const bad = await runTool(sim, ISTIOCTL, ['manifest', 'generate', '--set', 'components.ztunnel.enabled=maybe'], {
        SIM_ISTIOCTL_VERSION: '1.27.3',
      });
      expect(bad.exitCode).toBe(1);
      expect(bad.stderr).toContain('components.ztunnel.enabled');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('upgrades istiod, istio-cni and ztunnel in place with the next minor', async () => {
    const up = await runTool(sim, `${SIM_BIN}istioctl`, ['upgrade', '-y'], { SIM_ISTIOCTL_VERSION: '1.27' });
    expect(up.exitCode, up.stderr).toBe(0);
    expect(up.stdout).toContain('✔ Ztunnel installed');
    for (const name of ['istio-cni-node', 'ztunnel'])
      expect(sim.get('daemonsets', 'istio-system', name)?.metadata.labels?.['app.kubernetes.io/version']).toBe(
        '1.27.3',
      );
    expect(sim.get('deployments', 'istio-system', 'istio-ingressgateway')).toBeUndefined();
  });
});
