/**
 * `plan`'s permissions precheck against the simulated cluster with RBAC on, as the worker's
 * ServiceAccount from deploy/kubernetes/: with the full role nothing is missing; with a rule
 * cut down, each refused permission is a blocking finding naming verb, resource, namespace and
 * the rule that would grant it, before anything is written.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario, startSim, type Sim } from '../../sim/index.js';
import { SCENARIOS } from '../activities/support/sim.js';
import { kubectl } from '../sim/support.js';
import { runCli } from '../support/cli.js';

const manifests = ['namespace.yaml', 'serviceaccount.yaml', 'rbac-runbooks.yaml', 'rbac-installer.yaml'].map((f) =>
  fileURLToPath(new URL(`../../deploy/kubernetes/${f}`, import.meta.url)),
);
const CANARY =
  'install: { method: istioctl, mode: sidecar, strategy: revision }\nversion: { target: 1.27.3 }\napprovals: { approvers: [alice, bob] }\n';

let sim: Sim;
let worker: string;
let spec: string;

beforeAll(async () => {
  sim = await startSim({
    scenario: { ...loadScenario(SCENARIOS.sidecarIstioctl), rbac: { enabled: true } },
    timeScale: 20,
  });
  for (const file of manifests) await kubectl(sim, ['apply', '-f', file]);
  worker = sim.kubeconfigFor({ namespace: 'istio-upgrades', name: 'istio-upgrade-worker' });
  spec = join(await mkdtemp(join(tmpdir(), 'plan-rbac-')), 'canary.yaml');
  await writeFile(spec, CANARY);
});
afterAll(() => sim?.stop());

describe('plan: the permissions precheck', () => {
  it("finds nothing missing for the worker's full role", async () => {
    const result = await runCli(['plan', '-f', spec, '--kubeconfig', worker]);
    expect(result.stderr).not.toContain('cannot plan');
    expect(result.stdout).toContain('Upgrade plan for');
    expect(result.stdout).not.toContain('missing-permission');
  });

  it('blocks naming verb, resource, namespace and the granting rule when the role lacks them, and writes nothing', async () => {
    const admin = new KubeConfig();
    admin.loadFromFile(sim.kubeconfigPath);
    const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
    // Namespaces may be read but not relabelled; the installer's Role is gone altogether.
    const role = await rbac.readClusterRole({ name: 'istio-upgrade-runbooks' });
    const rules = (role.rules ?? []).map((r) =>
      (r.resources ?? []).includes('namespaces') ? { ...r, verbs: ['get', 'list'] } : r,
    );
    await rbac.replaceClusterRole({ name: 'istio-upgrade-runbooks', body: { ...role, rules } });
    await rbac.deleteNamespacedRoleBinding({ name: 'istio-upgrade-installer', namespace: 'istio-system' });
    const writes = sim.writeLog.length;

    const result = await runCli(['plan', '-f', spec, '--kubeconfig', worker]);
    expect(result.exitCode).toBe(3);
    expect(result.stdout).toContain(
      'missing-permission: "istio-upgrade-worker" may not patch namespaces (cluster-scoped): verb patch, resource namespaces, namespace (all / cluster-scoped); needed by move-namespace:',
    );
    expect(result.stdout).toContain(
      'remedy: Grant it with a ClusterRole (bound by a ClusterRoleBinding) rule { apiGroups: [""], resources: ["namespaces"], verbs: ["patch"] }',
    );
    expect(result.stdout).toContain(
      'may not create deployments.apps in namespace istio-system: verb create, resource deployments.apps, namespace istio-system; needed by install-revision:',
    );
    expect(result.stdout).toContain(
      'remedy: Grant it with a Role in namespace istio-system (bound by a RoleBinding there) rule { apiGroups: ["apps"], resources: ["deployments"], verbs: ["create"] }',
    );
    expect(result.stdout).toContain('evidence: kubectl auth can-i patch namespaces -> no');
    // Reads and reviews only: the SelfSubjectAccessReviews are not writes.
    expect(sim.writeLog.length).toBe(writes);
  });
});
