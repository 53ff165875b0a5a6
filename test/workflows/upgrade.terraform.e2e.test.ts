/**
 * Terraform owning the Helm releases, end to end: the real upgrade workflow on the dev server,
 * the real activities, the terraform and helm stand-ins (real processes) on the simulated cluster.
 * Each hop's saved plan is shown at its gate and applied exactly as saved; the releases are then
 * verified as for Helm and the workloads restarted. A state lock held by another run and a plan
 * that would destroy something both stop the hop before anything is applied.
 */
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { describe, expect, it } from 'vitest';
import type { SpecInput } from '../../core/spec/schema.js';
import { releaseFromSecret } from '../../sim/istio/helm-release.js';
import type { SimCluster } from '../activities/support/sim.js';
import {
  answerGates,
  e2eSuite,
  meshState,
  quickSpec,
  restartsOf,
  runWorker,
  scenarioFrom,
  startUpgrade,
  type GateAnswerer,
} from './support/upgrade-harness.js';
import { AMBIENT_RELEASES, SECRETS, SIDECAR_RELEASES, terraformModule } from './support/terraform-module.js';

const suite = e2eSuite();

/** Every Helm release the cluster has, `name@version status`, newest revision only. */
function releases(cluster: SimCluster): Record<string, string> {
  const newest = new Map<string, { revision: number; text: string }>();
  for (const secret of cluster.sim.list('secrets')) {
    if (secret.metadata.labels?.owner !== 'helm') continue;
    const release = releaseFromSecret(secret);
    if (release === undefined) continue;
    const seen = newest.get(release.name);
    if (seen === undefined || seen.revision < release.revision)
      newest.set(release.name, { revision: release.revision, text: `${release.version} ${release.status}` });
  }
  return Object.fromEntries([...newest].map(([name, { text }]) => [name, text]));
}

const terraformSpec = (dir: string, target: string, mode: 'sidecar' | 'ambient' = 'sidecar'): SpecInput =>
  quickSpec({
    install: {
      method: 'helm',
      mode,
      strategy: 'in-place',
      owner: 'terraform',
      terraform: { workingDirectory: dir, versionVariable: 'istio_version' },
    },
    version: { target },
  });

/** Approves planned gates, keeping what each said; a failure gate goes to `onFailure`. */
function recording(
  seen: { id: string; description: string }[],
  onFailure: GateAnswerer = (id, status) => {
    throw new Error(`unexpected failure gate: ${status.pendingGates.find((g) => g.id === id)?.description ?? id}`);
  },
): GateAnswerer {
  return (gateId, status) => {
    const gate = status.pendingGates.find((g) => g.id === gateId);
    seen.push({ id: gateId, description: gate?.description ?? '' });
    return gate?.kind === 'failure' ? onFailure(gateId, status) : 'approve';
  };
}

describe('Istio owned by Terraform', () => {
  it('upgrades a Helm sidecar mesh 1.26.4 → 1.27.3 → 1.28.0: each hop one saved plan, shown at its gate, applied as saved, verified, workloads restarted', async () => {
    const cluster = await suite.fresh('sidecarHelm');
    const module = terraformModule(cluster, SIDECAR_RELEASES);
    const serialBefore = module.state().serial;
    const gates: { id: string; description: string }[] = [];
    const { result, history } = await runWorker(suite.env, cluster, async (taskQueue) => {
      const handle = await startUpgrade(suite.env, taskQueue, terraformSpec(module.dir, '1.28.0'), [
        'removed-tracing-providers',
      ]);
      const result = await answerGates(handle, recording(gates));
      // Payloads are base64 in the history's JSON: read them as text too, where a leaked variable would show.
      const json = historyToJSON(await handle.fetchHistory());
      const decoded = [...json.matchAll(/"data":\s*"([A-Za-z0-9+/=]+)"/g)].map((m) =>
        Buffer.from(m[1] ?? '', 'base64').toString('utf8'),
      );
      return { result, history: `${json}\n${decoded.join('\n')}` };
    });
    expect(result.status.failure).toBeNull();
    expect(result.outcome).toBe('completed');

    // The gate of each hop shows that hop's saved plan: both releases with their versions before and after.
    const shown = (id: string) => gates.find((gate) => gate.id === id)?.description ?? '';
    expect(shown('gate:before-control-plane@1.27.3')).toMatch(
      /terraform plan with istio_version=1\.27\.3, saved as [0-9a-f]{12}: helm_release\.istio_base update: istio-system\/istio-base base 1\.26\.4 → 1\.27\.3; helm_release\.istiod update: istio-system\/istiod istiod 1\.26\.4 → 1\.27\.3/,
    );
    expect(shown('gate:before-control-plane@1.28.0')).toMatch(
      /istio-system\/istio-base base 1\.27\.3 → 1\.28\.0; helm_release\.istiod update: istio-system\/istiod istiod 1\.27\.3 → 1\.28\.0/,
    );

    // One apply per hop, each of the plan shown: the state moved twice and holds the target.
    const state = module.state();
    expect(state.serial).toBe(serialBefore + 2);
    expect(state.resources.map((r) => `${r.name}=${String(r.instances[0]?.attributes.version)}`)).toEqual([
      'istio_base=1.28.0',
      'istiod=1.28.0',
    ]);
    const notes = Object.fromEntries(result.status.steps.map((step) => [step.id, step.note ?? '']));
    expect(notes['base@1.27.3']).toMatch(
      /approved by (alice|bob); Apply complete! Resources: 0 added, 2 changed, 0 destroyed\./,
    );
    expect(notes['control-plane@1.28.0']).toMatch(
      /applied by terraform with the hop's change \(owner@1\.28\.0\); checked: Helm release istio-system\/istiod deployed at istiod-1\.28\.0/,
    );
    expect(releases(cluster)).toMatchObject({ 'istio-base': '1.28.0 deployed', istiod: '1.28.0 deployed' });

    const mesh = meshState(cluster) as { istiods: string[]; proxies: Record<string, string> };
    expect(mesh.istiods).toEqual(['istiod:1.28.0']);
    expect(Object.values(mesh.proxies).every((proxy) => proxy.startsWith('1.28.0@'))).toBe(true);
    expect(restartsOf(cluster, 'bookinfo')['reviews-v2']).toBe(2);

    // Nothing of Terraform's variables (nor the values built from them) is in history.
    const text = history;
    expect(text).toContain('istio_version=1.28.0');
    expect(text).not.toContain(SECRETS.teamToken);
    expect(text).not.toContain(SECRETS.registryPassword);
    expect(text).not.toContain('teamToken');
  }, 180_000);

  it('upgrades an ambient mesh 1.26.4 → 1.27.3 with one plan moving base, istiod, istio-cni and ztunnel, each then verified node by node', async () => {
    const cluster = await suite.fresh(
      scenarioFrom('ambientSail', (scenario) => ({
        ...scenario,
        name: 'ambient-helm-1.26',
        istio: { installer: 'helm', mode: 'ambient', version: '1.26.4' },
      })),
    );
    const module = terraformModule(cluster, AMBIENT_RELEASES);
    const serialBefore = module.state().serial;
    const gates: { id: string; description: string }[] = [];
    const result = await runWorker(suite.env, cluster, async (taskQueue) =>
      answerGates(
        await startUpgrade(suite.env, taskQueue, terraformSpec(module.dir, '1.27.3', 'ambient')),
        recording(gates),
      ),
    );
    expect(result.status.failure).toBeNull();
    expect(result.outcome).toBe('completed');
    const shown = gates.find((gate) => gate.id === 'gate:before-control-plane@1.27.3')?.description ?? '';
    for (const release of ['istio-base base', 'istiod istiod', 'istio-cni cni', 'ztunnel ztunnel'])
      expect(shown).toContain(`istio-system/${release} 1.26.4 → 1.27.3`);
    // The ztunnel gate went: ztunnel moved with the hop's one change.
    expect(gates.some((gate) => gate.id.includes('before-ztunnel'))).toBe(false);
    expect(module.state().serial).toBe(serialBefore + 1);
    const notes = Object.fromEntries(result.status.steps.map((step) => [step.id, step.note ?? '']));
    expect(notes['cni@1.27.3']).toMatch(/Helm release istio-system\/istio-cni deployed at cni-1\.27\.3/);
    expect(notes['ztunnel@1.27.3']).toMatch(/Helm release istio-system\/ztunnel deployed at ztunnel-1\.27\.3/);
    expect(releases(cluster)).toMatchObject({
      'istio-base': '1.27.3 deployed',
      istiod: '1.27.3 deployed',
      'istio-cni': '1.27.3 deployed',
      ztunnel: '1.27.3 deployed',
    });
  }, 180_000);

  it('rolls a rejected hop back through Terraform: a plan back to 1.26.4, shown at a gate, applied as saved', async () => {
    const cluster = await suite.fresh('sidecarHelm');
    const module = terraformModule(cluster, SIDECAR_RELEASES);
    const serialBefore = module.state().serial;
    const gates: { id: string; description: string }[] = [];
    const result = await runWorker(suite.env, cluster, async (taskQueue) =>
      answerGates(
        await startUpgrade(suite.env, taskQueue, terraformSpec(module.dir, '1.27.3'), ['removed-tracing-providers']),
        (gateId, status) => {
          gates.push({ id: gateId, description: status.pendingGates.find((g) => g.id === gateId)?.description ?? '' });
          return gateId === 'gate:before-gateways@1.27.3' ? 'reject' : 'approve';
        },
      ),
    );
    expect(result.outcome).toBe('rolled-back');
    const back = gates.find((gate) => gate.id === 'rollback:gate:before-control-plane@1.27.3')?.description ?? '';
    expect(back).toMatch(
      /go back from 1\.27\.3 to 1\.26\.4 through terraform\. terraform plan with istio_version=1\.26\.4, saved as [0-9a-f]{12}: /,
    );
    expect(back).toContain('istio-system/istiod istiod 1.27.3 → 1.26.4');
    // Up once, back once: two applies, each of a plan shown first.
    expect(module.state().serial).toBe(serialBefore + 2);
    expect(releases(cluster)).toMatchObject({ 'istio-base': '1.26.4 deployed', istiod: '1.26.4 deployed' });
    expect((meshState(cluster) as { istiods: string[] }).istiods).toEqual(['istiod:1.26.4']);
  }, 180_000);

  it('stops at a failure gate naming the lock another run holds, applies nothing, and plans again once it is released', async () => {
    const cluster = await suite.fresh('sidecarHelm');
    const module = terraformModule(cluster, SIDECAR_RELEASES);
    const serialBefore = module.state().serial;
    const lock = module.holdLock();
    const gates: { id: string; description: string }[] = [];
    let releasesAtTheGate: Record<string, string> = {};
    const result = await runWorker(suite.env, cluster, async (taskQueue) =>
      answerGates(
        await startUpgrade(suite.env, taskQueue, terraformSpec(module.dir, '1.27.3'), ['removed-tracing-providers']),
        recording(gates, () => {
          releasesAtTheGate = releases(cluster);
          module.releaseLock();
          return 'retry';
        }),
      ),
    );
    const failure = gates.find(
      (gate) => gate.description.includes('StateLocked') || gate.description.includes('locked'),
    );
    expect(failure?.description).toContain(lock.id);
    expect(failure?.description).toContain(lock.who);
    expect(failure?.description).toContain('2026-12-05 04:58:12');
    // Nothing applied while it was locked.
    expect(releasesAtTheGate).toMatchObject({ 'istio-base': '1.26.4 deployed', istiod: '1.26.4 deployed' });
    expect(result.status.failure).toBeNull();
    expect(result.outcome).toBe('completed');
    expect(module.state().serial).toBe(serialBefore + 1);
    expect(releases(cluster)).toMatchObject({ istiod: '1.27.3 deployed' });
  }, 180_000);

  it('blocks a plan that would destroy a resource the hop did not ask for, naming it, and applies nothing', async () => {
    const cluster = await suite.fresh('sidecarHelm');
    // The state holds a resource the configuration no longer has: the next plan would destroy it.
    const module = terraformModule(cluster, SIDECAR_RELEASES, {
      extraState: [
        {
          mode: 'managed',
          type: 'terraform_data',
          name: 'mesh_dashboard',
          provider: 'provider["terraform.io/builtin/terraform"]',
          instances: [{ schema_version: 0, attributes: { id: 'b7e1', input: 'grafana', output: 'grafana' } }],
        },
      ],
    });
    const serialBefore = module.state().serial;
    const gates: { id: string; description: string }[] = [];
    const result = await runWorker(suite.env, cluster, async (taskQueue) =>
      answerGates(
        await startUpgrade(suite.env, taskQueue, terraformSpec(module.dir, '1.27.3'), ['removed-tracing-providers']),
        recording(gates, () => 'reject'),
      ),
    );
    const blocked = gates.find((gate) => gate.description.includes('terraform_data.mesh_dashboard'));
    expect(blocked?.description).toMatch(/terraform_data\.mesh_dashboard would be destroyed/);
    expect(blocked?.description).toMatch(/Nothing was applied/);
    // The control-plane gate never opened: there was no plan to show.
    expect(gates.some((gate) => gate.id === 'gate:before-control-plane@1.27.3')).toBe(false);
    expect(result.outcome).not.toBe('completed');
    expect(module.state().serial).toBe(serialBefore);
    expect(releases(cluster)).toMatchObject({ 'istio-base': '1.26.4 deployed', istiod: '1.26.4 deployed' });
  }, 180_000);

  it('refuses a Terraform-owned ambient mesh on 1.20.2 going to 1.27.1 for what the catalog finds, before any plan or apply', async () => {
    const cluster = await suite.fresh(
      scenarioFrom('ambientSail', (scenario) => ({
        ...scenario,
        name: 'ambient-helm-1.20',
        istio: {
          installer: 'helm',
          mode: 'ambient',
          version: '1.20.2',
          meshConfig: {
            extensionProviders: [{ name: 'oc', opencensus: { service: 'oc-collector.tracing.svc', port: 55678 } }],
          },
        },
      })),
    );
    const module = terraformModule(cluster, AMBIENT_RELEASES);
    const before = JSON.stringify(module.state());
    const plansBefore = savedPlans();
    const result = await runWorker(suite.env, cluster, async (taskQueue) =>
      answerGates(await startUpgrade(suite.env, taskQueue, terraformSpec(module.dir, '1.27.1', 'ambient'))),
    );
    expect(result.outcome).toBe('refused');
    expect(result.status.failure?.type).toBe('PrecheckBlocked');
    expect(result.status.failure?.message).toMatch(/removed-tracing-providers: /);
    expect(result.status.failure?.message).toMatch(/alpha to beta in 1\.22/);
    // The plan was the hop chain, one saved plan per hop, none of them made.
    expect(result.plan?.hops.map((hop) => hop.version.split('.').slice(0, 2).join('.'))).toEqual([
      '1.21',
      '1.22',
      '1.23',
      '1.24',
      '1.25',
      '1.26',
      '1.27',
    ]);
    expect(cluster.sim.writeLog).toEqual([]);
    expect(JSON.stringify(module.state())).toBe(before);
    expect(savedPlans()).toEqual(plansBefore);
  }, 180_000);

  it("refuses before its first write when the worker's root module does not declare the version variable, naming the field", async () => {
    const cluster = await suite.fresh('sidecarHelm');
    const module = terraformModule(cluster, SIDECAR_RELEASES, { variable: 'mesh_version' });
    const result = await runWorker(suite.env, cluster, async (taskQueue) =>
      answerGates(
        await startUpgrade(suite.env, taskQueue, terraformSpec(module.dir, '1.27.3'), ['removed-tracing-providers']),
      ),
    );
    expect(result.outcome).toBe('refused');
    expect(result.status.failure?.message).toMatch(
      /terraform-owner: install\.terraform\.versionVariable: the root module in .* declares no variable "istio_version" \(it declares mesh_version, registry_password, team_token\)/,
    );
    expect(cluster.sim.writeLog).toEqual([]);
  }, 120_000);
});

/** The worker's saved plans, across upgrades. */
function savedPlans(): string[] {
  const root = join(tmpdir(), 'istio-upgrade-terraform', 'plans');
  try {
    return readdirSync(root).flatMap((upgrade) => readdirSync(join(root, upgrade)).map((file) => `${upgrade}/${file}`));
  } catch {
    return [];
  }
}
