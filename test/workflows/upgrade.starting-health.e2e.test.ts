/**
 * Starting health, end to end: ambient meshes built for the test (istioctl, Helm, Sail) whose
 * ztunnel pod on node-2 is stuck in ContainerCreating from boot. `plan` (a real CLI process) and
 * the workflow's start both refuse, naming the node, the pod and the reason; overriding the check
 * by id lets the upgrade start, and it completes (the stuck pod runs the old version only, so the
 * rollout replaces it).
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SpecInput } from '../../core/spec/schema.js';
import { standInToolsFolder, type ScenarioInput } from '../../sim/index.js';
import { runCli } from '../support/cli.js';
import { answerGates, quickSpec, runWorker, startUpgrade, e2eSuite } from './support/upgrade-harness.js';

const suite = e2eSuite();
const tools = standInToolsFolder({ patches: ['1.27.3'] });

const SANDBOX =
  'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "4f2c": plugin type="istio-cni" name="istio-cni" failed (add): failed to find plugin "istio-cni"';

type Installer = 'istioctl' | 'helm' | 'sail';

/** An ambient bookinfo mesh on 1.26.4 whose old ztunnel on node-2 never got its sandbox. */
function stuckZtunnelMesh(installer: Installer): ScenarioInput {
  return {
    name: `ambient-${installer}-stuck-ztunnel`,
    timing: { podReadySeconds: 2, jobRunSeconds: 2 },
    nodes: 3,
    istio: {
      installer,
      mode: 'ambient',
      version: '1.26.4',
      ...(installer === 'sail'
        ? { sail: { updateStrategy: 'RevisionBased' as const, inactiveRevisionDeletionGracePeriodSeconds: 5 } }
        : {}),
    },
    namespaces: [
      {
        name: 'bookinfo',
        labels: { 'istio.io/dataplane-mode': 'ambient' },
        deployments: [{ name: 'productpage-v1', replicas: 1 }],
      },
    ],
    faults: [
      {
        kind: 'podStuck',
        selector: { daemonSet: 'ztunnel' },
        node: 'node-2',
        reason: 'ContainerCreating',
        onlyVersion: '1.26.4',
        message: SANDBOX,
      },
    ],
  };
}

function specFor(installer: Installer): SpecInput {
  return quickSpec({
    install: { method: installer, mode: 'ambient', strategy: installer === 'sail' ? 'revision' : 'in-place' },
    version: { target: '1.27.3' },
  });
}

/** Under Sail the ZTunnel resource reports the same stuck pod as NotReady: a second check, a second override. */
const overridesFor = (installer: Installer): string[] =>
  installer === 'sail' ? ['component-health', 'sail-health'] : ['component-health'];

describe.each<Installer>(['istioctl', 'helm', 'sail'])(
  'an ambient %s mesh with ztunnel stuck on node-2',
  (installer) => {
    it('blocks plan (exit 3) naming node-2, the ztunnel pod and FailedCreatePodSandBox', async () => {
      const cluster = await suite.fresh(stuckZtunnelMesh(installer));
      const stuck = cluster.sim
        .list('pods')
        .find((p) => p.metadata.name.startsWith('ztunnel-') && (p.spec as { nodeName?: string }).nodeName === 'node-2');
      const file = join(await mkdtemp(join(tmpdir(), 'starting-health-')), 'spec.yaml');
      await writeFile(file, JSON.stringify(specFor(installer)));
      const result = await runCli(['plan', '-f', file, '--kubeconfig', cluster.sim.kubeconfigPath, '--json'], {
        ISTIO_TOOLS_PATH: tools,
      });
      expect(result.exitCode).toBe(3);
      const plan = JSON.parse(result.stdout) as {
        findings: { check: string; severity: string; message: string; evidence: string[] }[];
      };
      const finding = plan.findings.find((f) => f.check === 'component-health');
      expect(finding?.severity).toBe('block');
      expect(finding?.message).toMatch(/^Not fully available before the upgrade: ztunnel \(node-2\);/);
      expect(finding?.evidence).toEqual([
        `ztunnel: node-2: ${stuck?.metadata.name ?? '?'} ContainerCreating (FailedCreatePodSandBox: ${SANDBOX})`,
      ]);
      if (installer === 'sail')
        expect(plan.findings.find((f) => f.check === 'sail-health')?.evidence).toEqual([
          'ZTunnel default: NotReady (Ready DaemonSetNotReady: not all ztunnel pods are ready and updated)',
        ]);
      expect(cluster.sim.writeLog).toEqual([]);
    }, 120_000);

    it('refuses the workflow start naming ztunnel on node-2 and writes nothing; overriding the check id lets it start and complete', async () => {
      const cluster = await suite.fresh(stuckZtunnelMesh(installer));
      const refused = await runWorker(suite.env, cluster, async (taskQueue) =>
        answerGates(await startUpgrade(suite.env, taskQueue, specFor(installer))),
      );
      expect(refused.outcome).toBe('refused');
      expect(refused.status.failure?.type).toBe('PrecheckBlocked');
      expect(refused.status.failure?.message).toContain(
        'component-health: Not fully available before the upgrade: ztunnel (node-2)',
      );
      expect(cluster.sim.writeLog).toEqual([]);

      const overridden = await runWorker(suite.env, cluster, async (taskQueue) =>
        answerGates(await startUpgrade(suite.env, taskQueue, specFor(installer), overridesFor(installer))),
      );
      expect(overridden.status.failure).toBeNull();
      expect(overridden.outcome).toBe('completed');
      const ztunnels = cluster.sim
        .list('pods')
        .filter((p) => p.metadata.name.startsWith('ztunnel-') && p.metadata.deletionTimestamp === undefined)
        .map((p) => (p.spec as { containers: { image: string }[] }).containers[0]?.image.split(':').pop());
      expect(ztunnels).toEqual(['1.27.3', '1.27.3', '1.27.3']);
    }, 240_000);
  },
);
