/**
 * Istio owned by GitOps, end to end: the real upgrade workflow on the dev server, real git on a
 * local bare repository, and the simulated cluster. A stand-in for Argo CD polls the repository's
 * main branch and applies the HelmReleases' versions it finds there with the stand-in helm, as a
 * syncer would; the runbook itself never runs helm on the releases. The team merges the
 * runbook's branch at the hop's gate, or does not, and the upgrade stops at the sync deadline.
 */
import { execa } from 'execa';
import type { ResultPromise } from 'execa';
import { createServer } from 'node:net';
import { parseAllDocuments } from 'yaml';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHelmActivities } from '../../activities/helm/activities.js';
import { answerGates as answerEachGate, takingTurns } from '../../client/answer-gates.js';
import type { GateReply } from '../../client/answer-gates.js';
import { HELM_CHARTS } from '../../core/plan/tools.js';
import type { SpecInput } from '../../core/spec/schema.js';
import { standInToolsFolder } from '../../sim/index.js';
import type { PendingGate, UpgradeResult, UpgradeStatus } from '../../workflows/messages.js';
import type { SimCluster } from '../activities/support/sim.js';
import { serveOverHttp } from '../activities/git/gitops-http.js';
import { gitopsRepo, RELEASES_FILE, VERSION_FIELD, type GitopsRepo } from '../activities/git/gitops-repo.js';
import {
  APPROVERS,
  e2eSuite,
  meshState,
  quickSpec,
  restartsOf,
  runWorker,
  scenarioFrom,
  startUpgrade,
} from './support/upgrade-harness.js';

const suite = e2eSuite();
const BRANCH = 'istio-upgrade/prod';
const repos: GitopsRepo[] = [];
afterAll(() => repos.forEach((repo) => repo.remove()));

/**
 * The worker's own git credentials, as an operator would configure them: a credential helper in
 * its git config handing out the token the HTTP repository asks for. Nothing of it may reach the
 * upgrade's history.
 */
const TOKEN = 'glpat-worker-only-7Q2x9';
const gitConfig = join(mkdtempSync(join(tmpdir(), 'gitops-worker-')), 'gitconfig');
writeFileSync(
  gitConfig,
  `[credential]\n\thelper = "!f() { echo username=istio-upgrade; echo password=${TOKEN}; }; f"\n`,
);
process.env.GIT_CONFIG_GLOBAL = gitConfig;

/**
 * Argo CD's part: every few hundred milliseconds, read main's HelmReleases and bring each release
 * to the chart version written there (base before istiod, as the file's dependsOn says).
 */
function startSyncer(repo: GitopsRepo, cluster: SimCluster): { synced: string[]; stop: () => Promise<void> } {
  const helm = createHelmActivities({ kubeconfigPath: cluster.sim.kubeconfigPath, searchPath: [standInToolsFolder()] });
  const charts: Record<string, string> = {
    'istio-base': HELM_CHARTS.base,
    istiod: HELM_CHARTS.istiod,
    'istio-cni': HELM_CHARTS.cni,
    ztunnel: HELM_CHARTS.ztunnel,
  };
  const synced: string[] = [];
  let running = true;
  const loop = (async () => {
    let applied = '';
    while (running) {
      const text = (await repo.read('main')) ?? '';
      if (text !== applied) {
        for (const document of parseAllDocuments(text)) {
          const name = String(document.getIn(['metadata', 'name']));
          const version = String(document.getIn(VERSION_FIELD.split('.')));
          const chart = charts[name];
          if (chart === undefined) continue;
          const values = (
            document.getIn(['spec', 'values']) as { toJSON(): Record<string, unknown> } | undefined
          )?.toJSON();
          const change = await helm.helmUpgradeInstall({
            version,
            release: name,
            chart,
            namespace: 'istio-system',
            ...(values !== undefined && { values }),
          });
          if (change.changed) synced.push(`${name}@${version}`);
        }
        applied = text;
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  })();
  return {
    synced,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

function gitopsSpec(
  repo: GitopsRepo,
  target: string,
  syncTimeout: string,
  mode: 'sidecar' | 'ambient' = 'sidecar',
): SpecInput {
  return quickSpec({
    install: {
      method: 'helm',
      mode,
      strategy: 'in-place',
      owner: 'gitops',
      gitops: {
        repository: repo.url,
        branch: BRANCH,
        files: [{ path: RELEASES_FILE, field: VERSION_FIELD }],
        syncTimeout,
      },
    },
    version: { target },
  });
}

type Policy = (gate: PendingGate, status: UpgradeStatus) => Promise<GateReply['decision'] | null>;

async function run(
  cluster: SimCluster,
  spec: SpecInput,
  policy: Policy,
): Promise<{ result: UpgradeResult; history: string; workflowId: string }> {
  return runWorker(suite.env, cluster, async (taskQueue) => {
    const handle = await startUpgrade(suite.env, taskQueue, spec, ['removed-tracing-providers']);
    const next = takingTurns(APPROVERS);
    const { result } = await answerEachGate(
      handle,
      async (gate, status) => {
        const decision = await policy(gate, status).catch(async (error: unknown) => {
          await handle.terminate('the test saw an unexpected gate');
          throw error;
        });
        return decision === null
          ? null
          : { decision, by: next(), ...(decision === 'retry' && { comment: 'merged now' }) };
      },
      { pollMs: 150 },
    );
    const done = await result;
    return { result: done, history: readable(await handle.fetchHistory()), workflowId: handle.workflowId };
  });
}

/** The history as text with every payload decoded: what an auditor (or an attacker) reads in it. */
function readable(history: unknown): string {
  return JSON.stringify(history).replace(/"data":"([A-Za-z0-9+/=]+)"/g, (_, data: string) =>
    JSON.stringify(Buffer.from(data, 'base64').toString('utf8')),
  );
}

const isHopGate = (gate: PendingGate) => gate.kind === 'approval' && /before-control-plane@/.test(gate.id);

describe('Istio owned by GitOps', () => {
  it("commits each hop to istio-upgrade/prod over HTTP with the worker's token, the team merges it at the gate, the syncer applies it, and the upgrade verifies and restarts: 1.26.4 to 1.27.3 to 1.28.0", async () => {
    const cluster = await suite.fresh('sidecarHelm');
    const repo = await gitopsRepo('1.26.4');
    repos.push(repo);
    const http = await serveOverHttp(repo.root, 'istio-upgrade', TOKEN);
    const url = http.url('istio-config.git');
    const syncer = startSyncer(repo, cluster);
    const shown: string[] = [];
    try {
      const spec = gitopsSpec(repo, '1.28.0', '3m');
      const overHttp = { ...spec, install: { ...spec.install, gitops: { ...spec.install?.gitops, repository: url } } };
      const { result, history, workflowId } = await run(cluster, overHttp as SpecInput, async (gate) => {
        if (gate.kind === 'failure') throw new Error(`unexpected failure gate: ${gate.description}`);
        if (isHopGate(gate)) {
          shown.push(gate.description);
          const version = /before-control-plane@(\S+)/.exec(gate.id)?.[1] ?? '?';
          // The team reviews what the gate shows against the branch itself, then merges.
          expect(gate.description).toContain(`on branch ${BRANCH} of ${url}`);
          expect(gate.description).toContain(`+      version: ${version}`);
          expect(await repo.read(BRANCH)).toContain(`version: "${version}"`);
          await repo.merge(BRANCH);
        }
        return 'approve';
      });
      expect(result.status.failure).toBeNull();
      expect(result.outcome).toBe('completed');
      expect(shown).toHaveLength(2);

      const hops = (await repo.log(BRANCH)).filter((commit) => commit.author.startsWith('istio-upgrade <'));
      expect(hops.map((commit) => commit.message.split('\n')[0])).toEqual([
        // The cluster is named by the kubeconfig context: the simulator's is `sim`.
        'Istio 1.27.3 → 1.28.0 on sim',
        'Istio 1.26.4 → 1.27.3 on sim',
      ]);
      expect(hops.every((commit) => commit.message.includes(`Upgrade ${workflowId}`))).toBe(true);
      expect(syncer.synced).toEqual(['istio-base@1.27.3', 'istiod@1.27.3', 'istio-base@1.28.0', 'istiod@1.28.0']);

      const steps = new Map(result.status.steps.map((step) => [step.id, step]));
      expect(steps.get('precheck@1.28.0')?.note).toContain(
        `git: read ${url} (main); ${RELEASES_FILE} ${VERSION_FIELD} at 1.26.4, 1.26.4; may push ${BRANCH}`,
      );
      expect(steps.get('base@1.27.3')?.note).toMatch(/approved by (alice|bob); synced after/);
      expect(steps.get('control-plane@1.27.3')?.note).toMatch(/^applied by gitops with the hop's change/);
      const after = meshState(cluster) as { istiods: string[]; proxies: Record<string, string> };
      expect(after.istiods).toEqual(['istiod:1.28.0']);
      expect(Object.values(after.proxies).every((proxy) => proxy.startsWith('1.28.0@'))).toBe(true);
      expect(restartsOf(cluster, 'bookinfo')['reviews-v2']).toBe(2);

      // Every read and push went through the worker's credential helper; the token is in no event.
      expect(http.counts.served).toBeGreaterThan(0);
      expect(history).toContain(`on branch ${BRANCH} of ${url}`);
      expect(history).toContain('+      version: 1.28.0');
      expect(history).not.toContain(TOKEN);
      expect(history).not.toContain(Buffer.from(`istio-upgrade:${TOKEN}`).toString('base64'));
    } finally {
      await syncer.stop();
      await http.stop();
    }
  }, 240_000);

  it('stops at the sync deadline naming the releases and istiod still on 1.26.4 when nobody merged; merged then, retry waits again without a second commit or gate', async () => {
    const cluster = await suite.fresh('sidecarHelm');
    const repo = await gitopsRepo('1.26.4');
    repos.push(repo);
    const syncer = startSyncer(repo, cluster);
    const failures: string[] = [];
    try {
      const { result } = await run(cluster, gitopsSpec(repo, '1.27.3', '8s'), async (gate) => {
        if (gate.kind !== 'failure') return 'approve';
        failures.push(gate.description);
        if (failures.length > 1) throw new Error(`a second failure gate: ${gate.description}`);
        await repo.merge(BRANCH);
        // Retry once Argo CD has synced the merge and istiod runs it, as an operator would: the 8 s
        // deadline is for a change nobody merged, and a loaded CI machine may sync slower than that.
        const deadline = Date.now() + 120_000;
        const istiods = () => (meshState(cluster) as { istiods: string[] }).istiods;
        while (!(syncer.synced.includes('istiod@1.27.3') && istiods().join() === 'istiod:1.27.3')) {
          if (Date.now() > deadline) throw new Error(`not synced after the merge: ${syncer.synced.join(', ')}`);
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
        return 'retry';
      });
      expect(failures).toHaveLength(1);
      expect(failures[0]).toContain('NotSynced');
      expect(failures[0]).toContain('did not reach the cluster within 8s (not merged, or not synced)');
      expect(failures[0]).toContain('Helm release istio-system/istio-base is at chart base-1.26.4, expected 1.27.3');
      expect(failures[0]).toContain('Helm release istio-system/istiod is at chart istiod-1.26.4, expected 1.27.3');
      expect(failures[0]).toMatch(/istiod default.*1\.26\.4/);

      expect(result.status.failure).toBeNull();
      expect(result.outcome).toBe('completed');
      // The retry found the commit its first try pushed, and did not ask again.
      expect(result.status.steps.find((step) => step.id === 'base@1.27.3')?.note).toMatch(
        /, pushed by an earlier attempt; synced after \d+s: Helm release istio-system\/istio-base deployed at base-1\.27\.3/,
      );
      const hopGates = result.status.decisions.filter((decision) => decision.gateId.includes('before-control-plane@'));
      expect(hopGates).toHaveLength(1);
      const commits = (await repo.log(BRANCH)).filter((commit) => commit.author.startsWith('istio-upgrade <'));
      expect(commits).toHaveLength(1);
      expect(syncer.synced).toEqual(['istio-base@1.27.3', 'istiod@1.27.3']);
      expect((meshState(cluster) as { istiods: string[] }).istiods).toEqual(['istiod:1.27.3']);
    } finally {
      await syncer.stop();
    }
  }, 240_000);
  it('rolls back through Git when the team rejects the workloads gate: a revert of the hop commit on the same branch, shown at the rollback gate, merged, synced back to 1.26.4', async () => {
    const cluster = await suite.fresh('sidecarHelm');
    const repo = await gitopsRepo('1.26.4');
    repos.push(repo);
    const syncer = startSyncer(repo, cluster);
    const rollbackGates: string[] = [];
    try {
      const { result } = await run(cluster, gitopsSpec(repo, '1.27.3', '3m'), async (gate) => {
        if (gate.kind === 'failure') throw new Error(`unexpected failure gate: ${gate.description}`);
        if (gate.id.startsWith('rollback:')) {
          rollbackGates.push(gate.description);
          await repo.merge(BRANCH);
          return 'approve';
        }
        if (isHopGate(gate)) await repo.merge(BRANCH);
        // The team changes its mind before any workload moves to 1.27.3.
        return /namespace:bookinfo@/.test(gate.id) ? 'reject' : 'approve';
      });
      expect(result.outcome).toBe('rolled-back');
      expect(rollbackGates).toHaveLength(1);
      expect(rollbackGates[0]).toContain(`on branch ${BRANCH} of ${repo.url}`);
      expect(rollbackGates[0]).toContain('-      version: 1.27.3');
      expect(rollbackGates[0]).toContain('+      version: 1.26.4');

      const ours = (await repo.log(BRANCH)).filter((commit) => commit.author.startsWith('istio-upgrade <'));
      const [revert, up] = ours;
      expect(ours).toHaveLength(2);
      expect(up?.message.split('\n')[0]).toBe('Istio 1.26.4 → 1.27.3 on sim');
      expect(revert?.message.split('\n')[0]).toBe('Revert Istio 1.26.4 → 1.27.3 on sim');
      expect(revert?.author).toBe('istio-upgrade <istio-upgrade@localhost>');
      expect(revert?.message).toContain(`Istio-Upgrade-Revert: ${up?.sha ?? '?'}`);
      expect(await repo.read('main')).toContain('version: "1.26.4"');
      expect(syncer.synced).toEqual(['istio-base@1.27.3', 'istiod@1.27.3', 'istio-base@1.26.4', 'istiod@1.26.4']);
      expect((meshState(cluster) as { istiods: string[] }).istiods).toEqual(['istiod:1.26.4']);
    } finally {
      await syncer.stop();
    }
  }, 240_000);
  it('upgrades an ambient mesh with one commit per hop: base, istiod, istio-cni and ztunnel synced together, then the node agents watched node by node', async () => {
    const cluster = await suite.fresh(
      scenarioFrom('ambientSail', (scenario) => ({
        ...scenario,
        name: 'ambient-helm-1.26',
        istio: { installer: 'helm', mode: 'ambient', version: '1.26.4' },
      })),
    );
    const repo = await gitopsRepo('1.26.4', { ambient: true });
    repos.push(repo);
    const syncer = startSyncer(repo, cluster);
    try {
      const { result } = await run(cluster, gitopsSpec(repo, '1.27.3', '3m', 'ambient'), async (gate) => {
        if (gate.kind === 'failure') throw new Error(`unexpected failure gate: ${gate.description}`);
        if (isHopGate(gate)) await repo.merge(BRANCH);
        return 'approve';
      });
      expect(result.status.failure).toBeNull();
      expect(result.outcome).toBe('completed');
      // Its first look also puts istiod's values to what Git says (the ambient profile): the syncer's business, not the hop's.
      expect(syncer.synced.filter((synced) => synced.endsWith('@1.27.3'))).toEqual([
        'istio-base@1.27.3',
        'istiod@1.27.3',
        'istio-cni@1.27.3',
        'ztunnel@1.27.3',
      ]);
      const steps = new Map(result.status.steps.map((step) => [step.id, step]));
      expect(steps.get('base@1.27.3')?.note).toContain(
        'Helm release istio-system/istio-cni deployed at cni-1.27.3; Helm release istio-system/ztunnel deployed at ztunnel-1.27.3',
      );
      const kinds = result.status.steps.map((step) => step.kind);
      expect(kinds.indexOf('upgrade-cni')).toBeLessThan(kinds.indexOf('upgrade-ztunnel'));
      const image = (name: string) =>
        JSON.stringify(cluster.sim.get('daemonsets', 'istio-system', name)?.spec ?? {}).match(/:(\d+\.\d+\.\d+)/)?.[1];
      expect(image('istio-cni-node')).toBe('1.27.3');
      expect(image('ztunnel')).toBe('1.27.3');
    } finally {
      await syncer.stop();
    }
  }, 240_000);

  it("stops at the precheck, before any write, when the worker's git may read the repository but not push to it", async () => {
    const cluster = await suite.fresh('sidecarHelm');
    const repo = await gitopsRepo('1.26.4');
    repos.push(repo);
    const port = await freePort();
    const daemon: ResultPromise = execa(
      'git',
      ['daemon', '--export-all', `--base-path=${repo.root}`, `--port=${port}`, '--listen=127.0.0.1', '--reuseaddr'],
      { reject: false },
    );
    const url = `git://127.0.0.1:${port}/istio-config.git`;
    const failures: string[] = [];
    try {
      for (let tries = 0; (await execa('git', ['ls-remote', url], { reject: false })).exitCode !== 0; tries++) {
        if (tries > 50) throw new Error('the git daemon did not come up');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const spec = gitopsSpec(repo, '1.27.3', '3m');
      const readOnly = { ...spec, install: { ...spec.install, gitops: { ...spec.install?.gitops, repository: url } } };
      const { result } = await run(cluster, readOnly as SpecInput, (gate) => {
        if (gate.kind !== 'failure') return Promise.reject(new Error(`unexpected gate ${gate.id}`));
        failures.push(gate.description);
        return Promise.resolve('reject');
      });
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatch(/^Re-read the cluster and run the precheck catalog/);
      expect(failures[0]).toContain(
        `(Validation: install.gitops.repository: git cannot push ${BRANCH} to ${url} with the credentials it finds on this machine:`,
      );
      expect(result.outcome).not.toBe('completed');
    } finally {
      daemon.kill();
      await daemon;
    }
    expect(await repo.branches()).toEqual(['main']);
    expect(cluster.sim.writeLog).toEqual([]);
  }, 120_000);
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no free port')),
      );
    });
  });
}
