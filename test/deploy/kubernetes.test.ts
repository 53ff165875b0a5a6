/**
 * Least privilege of the worker's ServiceAccount, proved on the simulated cluster with RBAC on:
 * the manifests are applied with the real kubectl, the activities run with the ServiceAccount's
 * token, every permission a plan step can need is granted, every rule is needed by some step,
 * and removing any one rule makes a named activity fail with a Forbidden that names it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  KubeConfig,
  RbacAuthorizationV1Api,
  type V1ClusterRole,
  type V1PolicyRule,
  type V1Role,
} from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { createActivities, type Activities } from '../../activities/index.js';
import { permissionKey, type ApiPermission } from '../../core/permissions/permission.js';
import { inventoryPermissions, stepPermissions } from '../../core/permissions/steps.js';
import { loadScenario, startSim, type Sim } from '../../sim/index.js';
import { activityEnv, runIn } from '../activities/support/activity-env.js';
import { SCENARIOS } from '../activities/support/sim.js';
import { toolsFolder } from '../activities/support/tools.js';
import { kubectl } from '../sim/support.js';
import { envconfigVariables, envReadsInSource } from './env-reads.js';
import { everyKindOfStep } from './sample-steps.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const MANIFESTS = [
  'namespace.yaml',
  'serviceaccount.yaml',
  'rbac-runbooks.yaml',
  'rbac-installer.yaml',
  'deployment.yaml',
].map((f) => join(root, 'deploy', 'kubernetes', f));
const RBAC_FILES = ['rbac-runbooks.yaml', 'rbac-installer.yaml'];
const SERVICE_ACCOUNT = { namespace: 'istio-upgrades', name: 'istio-upgrade-worker' };

interface RoleDoc {
  kind: 'Role' | 'ClusterRole';
  metadata: { name: string; namespace?: string };
  rules: V1PolicyRule[];
}

function roles(): RoleDoc[] {
  return RBAC_FILES.flatMap((file) =>
    parseAllDocuments(readFileSync(join(root, 'deploy', 'kubernetes', file), 'utf8'))
      .map((doc) => doc.toJS() as RoleDoc)
      .filter((doc) => doc.kind === 'Role' || doc.kind === 'ClusterRole'),
  );
}

/** A rule as the witnesses below name it: `ClusterRole istio-upgrade-runbooks: apps/deployments`. */
function ruleId(role: RoleDoc, rule: V1PolicyRule): string {
  return `${role.kind} ${role.metadata.name}: ${(rule.apiGroups ?? []).join(',')}/${(rule.resources ?? []).join(',')}`;
}

/** Everything any step of any plan can need, with the control plane in istio-system. */
function everyNeededPermission(): ApiPermission[] {
  const all = [
    ...inventoryPermissions('istio-system'),
    ...everyKindOfStep().flatMap((s) => stepPermissions(s, 'istio-system')),
  ];
  return [...new Map(all.map((p) => [permissionKey(p), p])).values()];
}

function covers(rule: V1PolicyRule, p: ApiPermission): boolean {
  return (
    (rule.apiGroups ?? []).includes(p.group) &&
    (rule.resources ?? []).includes(p.resource) &&
    (rule.verbs ?? []).includes(p.verb)
  );
}

describe('the RBAC manifests against the permissions map', () => {
  it('grants no verb on any resource that no plan step needs', () => {
    const needed = everyNeededPermission();
    for (const role of roles()) {
      for (const rule of role.rules) {
        for (const group of rule.apiGroups ?? []) {
          for (const resource of rule.resources ?? []) {
            for (const verb of rule.verbs ?? []) {
              const used = needed.some(
                (p) =>
                  p.group === group &&
                  p.resource === resource &&
                  p.verb === verb &&
                  (role.kind === 'ClusterRole' || p.namespace === role.metadata.namespace),
              );
              expect(
                used,
                `${ruleId(role, rule)} grants ${verb} ${resource}, which no step needs${role.kind === 'Role' ? ` in ${role.metadata.namespace ?? ''}` : ''}`,
              ).toBe(true);
            }
          }
        }
      }
    }
  });

  it('grants, in the manifest, every permission a step needs: cluster-wide by a ClusterRole, or in its namespace by a Role', () => {
    const all = roles();
    for (const p of everyNeededPermission()) {
      const granted = all.some(
        (role) =>
          (role.kind === 'ClusterRole' || (p.namespace !== null && role.metadata.namespace === p.namespace)) &&
          role.rules.some((r) => covers(r, p)),
      );
      // A Job test or a gateway in any namespace: only the cluster-wide rules can cover those.
      expect(granted, `${permissionKey(p)} is granted by no rule`).toBe(true);
    }
  });
});

describe('the worker Deployment', () => {
  interface Container {
    image: string;
    command: string[];
    env: { name: string }[];
  }
  interface DeploymentDoc {
    spec: {
      template: {
        spec: { serviceAccountName: string; securityContext: { runAsNonRoot: boolean }; containers: Container[] };
      };
    };
  }
  const deployment = () =>
    parseAllDocuments(
      readFileSync(join(root, 'deploy', 'kubernetes', 'deployment.yaml'), 'utf8'),
    )[0]?.toJS() as DeploymentDoc;

  it('runs the built worker as the ServiceAccount, non-root, from a pinned image, with only variables the code reads', () => {
    const pod = deployment().spec.template.spec;
    expect(pod.serviceAccountName).toBe(SERVICE_ACCOUNT.name);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    const [worker] = pod.containers;
    expect(worker?.image).toMatch(/:\d+\.\d+\.\d+$/);
    expect(worker?.command).toEqual(['node', 'dist/worker/main.js']);
    expect(readFileSync(join(root, 'worker', 'main.ts'), 'utf8')).toContain('Worker.create');
    const read = new Set([...envReadsInSource(root), ...envconfigVariables(root)]);
    for (const { name } of worker?.env ?? []) expect(read.has(name), `${name} is read by no code`).toBe(true);
  });
});

interface Cluster {
  sim: Sim;
  /** The activities acting as the worker's ServiceAccount. */
  worker: Activities;
  rbac: RbacAuthorizationV1Api;
}

async function clusterWithWorkerRole(scenario: keyof typeof SCENARIOS): Promise<Cluster> {
  const sim = await startSim({
    scenario: { ...loadScenario(SCENARIOS[scenario]), rbac: { enabled: true } },
    timeScale: 40,
  });
  // The admin applies the manifests as a cluster admin would, with kubectl's own validation.
  for (const file of MANIFESTS) await kubectl(sim, ['apply', '-f', file]);
  const kubeconfig = sim.kubeconfigFor(SERVICE_ACCOUNT);
  const asWorker = new KubeConfig();
  asWorker.loadFromFile(kubeconfig);
  const tools = {
    searchPath: [toolsFolder({ 'istioctl-1.27': 'istioctl', 'istioctl-1.26': 'istioctl', helm: 'helm' })],
    kubeconfigPath: kubeconfig,
    timeoutMs: 60_000,
  };
  const admin = new KubeConfig();
  admin.loadFromFile(sim.kubeconfigPath);
  return {
    sim,
    worker: createActivities({ kubeConfig: asWorker, tools }),
    rbac: admin.makeApiClient(RbacAuthorizationV1Api),
  };
}

let istioctlCluster: Cluster;
let sailCluster: Cluster;
let runs = 0;

beforeAll(async () => {
  [istioctlCluster, sailCluster] = await Promise.all([
    clusterWithWorkerRole('sidecarIstioctl'),
    clusterWithWorkerRole('ambientSail'),
  ]);
});
afterAll(async () => {
  await Promise.all([istioctlCluster?.sim.stop(), sailCluster?.sim.stop()]);
});

const inActivity = <R>(fn: () => Promise<R>): Promise<R> => runIn(activityEnv(5_000).env, fn);

/**
 * For each rule, an activity call that needs it, on the cluster where it applies. Each call is
 * fresh (a new revision, tag or Job) so an earlier run's result cannot make it skip its calls.
 */
const WITNESSES: Record<string, { cluster: () => Cluster; run: (a: Activities, n: number) => Promise<unknown> }> = {
  'ClusterRole istio-upgrade-runbooks: /namespaces': {
    cluster: () => istioctlCluster,
    run: (a, n) => a.setNamespaceLabels({ namespace: 'bookinfo', set: { 'witness.example/run': String(n) } }),
  },
  'ClusterRole istio-upgrade-runbooks: /pods': {
    cluster: () => istioctlCluster,
    run: (a) => a.revisionUsers({ revision: 'default' }),
  },
  'ClusterRole istio-upgrade-runbooks: /services': { cluster: () => istioctlCluster, run: (a) => a.readInventory({}) },
  'ClusterRole istio-upgrade-runbooks: /events': { cluster: () => istioctlCluster, run: (a) => a.readInventory({}) },
  'ClusterRole istio-upgrade-runbooks: apps/deployments': {
    cluster: () => istioctlCluster,
    run: (a, n) => a.restartWorkload({ namespace: 'bookinfo', name: 'reviews-v1', restartedAt: `witness-${n}` }),
  },
  'ClusterRole istio-upgrade-runbooks: apps/daemonsets': {
    cluster: () => sailCluster,
    run: (a) => {
      const ztunnel = sailCluster.sim.list('daemonsets').find((d) => d.metadata.name === 'ztunnel');
      return a.waitForRollout({
        kind: 'DaemonSet',
        namespace: ztunnel?.metadata.namespace ?? 'istio-system',
        name: 'ztunnel',
        deadlineSeconds: 30,
      });
    },
  },
  'ClusterRole istio-upgrade-runbooks: batch/jobs': {
    cluster: () => istioctlCluster,
    run: (a, n) =>
      a.runWorkloadTest({
        namespace: 'bookinfo',
        deployment: 'productpage-v1',
        runId: `witness-${n}`,
        test: { job: { image: 'curlimages/curl:8.10.1', command: ['true'], timeoutSeconds: 30 } },
      }),
  },
  'ClusterRole istio-upgrade-runbooks: admissionregistration.k8s.io/mutatingwebhookconfigurations,validatingwebhookconfigurations':
    {
      cluster: () => istioctlCluster,
      run: (a) => a.readInventory({}),
    },
  'ClusterRole istio-upgrade-runbooks: gateway.networking.k8s.io/gateways': {
    cluster: () => istioctlCluster,
    run: (a) => a.readInventory({}),
  },
  'ClusterRole istio-upgrade-runbooks: sailoperator.io/istios,istiocnis,ztunnels': {
    cluster: () => sailCluster,
    run: (a, n) => a.patchSailResource({ kind: 'IstioCNI', version: n % 2 === 0 ? '1.26.4' : '1.27.3' }),
  },
  'ClusterRole istio-upgrade-runbooks: sailoperator.io/istiorevisions': {
    cluster: () => sailCluster,
    run: (a) => a.listIstioRevisions(),
  },
  'ClusterRole istio-upgrade-runbooks: sailoperator.io/istiorevisiontags': {
    cluster: () => sailCluster,
    // The inventory lists the tags; moving one (setSailRevisionTag, get + patch) is not committed yet.
    run: (a) => a.readInventory({}),
  },
  'Role istio-upgrade-runbooks: /configmaps': { cluster: () => istioctlCluster, run: (a) => a.readInventory({}) },
  'Role istio-upgrade-runbooks: policy/poddisruptionbudgets': {
    cluster: () => istioctlCluster,
    run: (a) => a.readInventory({}),
  },
  'ClusterRole istio-upgrade-installer: admissionregistration.k8s.io/mutatingwebhookconfigurations,validatingwebhookconfigurations':
    {
      cluster: () => istioctlCluster,
      run: (a, n) => a.istioctlTagSet({ version: '1.26', tag: `witness-${n}`, revision: 'default' }),
    },
  'Role istio-upgrade-installer: /configmaps,services': {
    cluster: () => istioctlCluster,
    run: (a, n) => a.istioctlInstall({ version: '1.27', revision: `witness-${n}` }),
  },
  'Role istio-upgrade-installer: apps/deployments': {
    cluster: () => istioctlCluster,
    run: (a, n) => a.istioctlInstall({ version: '1.27', revision: `witness-${n}` }),
  },
  'Role istio-upgrade-installer: apps/daemonsets': {
    cluster: () => istioctlCluster,
    // The ambient profile brings istio-cni and ztunnel; the other version than they run makes every run write them.
    run: (a, n) => {
      const ztunnel = istioctlCluster.sim.list('daemonsets').find((d) => d.metadata.name === 'ztunnel');
      const version = JSON.stringify(ztunnel?.spec ?? {}).includes(':1.27') ? '1.26' : '1.27';
      return a.istioctlInstall({ version, revision: `witness-${n}`, profile: 'ambient' });
    },
  },
  'Role istio-upgrade-installer: /secrets': {
    cluster: () => istioctlCluster,
    run: (a) => a.helmUninstall({ version: '1.26', release: 'istiod', namespace: 'istio-system' }),
  },
};

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure | null> {
  try {
    await promise;
    return null;
  } catch (err) {
    if (err instanceof ApplicationFailure) return err;
    throw err;
  }
}

/** Replaces a role's rules as the admin, the way `kubectl edit` would. */
async function setRules(c: Cluster, role: RoleDoc, rules: V1PolicyRule[]): Promise<void> {
  if (role.kind === 'ClusterRole') {
    const current: V1ClusterRole = await c.rbac.readClusterRole({ name: role.metadata.name });
    await c.rbac.replaceClusterRole({ name: role.metadata.name, body: { ...current, rules } });
  } else {
    const namespace = role.metadata.namespace ?? '';
    const current: V1Role = await c.rbac.readNamespacedRole({ name: role.metadata.name, namespace });
    await c.rbac.replaceNamespacedRole({ name: role.metadata.name, namespace, body: { ...current, rules } });
  }
}

describe("the worker's ServiceAccount on the simulated cluster with RBAC on", () => {
  it('has a witness activity for every rule, and no witness for a rule that is gone', () => {
    expect(Object.keys(WITNESSES).sort()).toEqual(
      roles()
        .flatMap((role) => role.rules.map((rule) => ruleId(role, rule)))
        .sort(),
    );
  });

  it('may do everything each step needs: the permissions precheck finds nothing missing', async () => {
    for (const c of [istioctlCluster, sailCluster]) {
      const results = await inActivity(() => c.worker.reviewAccess({ permissions: everyNeededPermission() }));
      expect(results.filter((r) => !r.allowed).map((r) => permissionKey(r.permission))).toEqual([]);
      expect(results.length).toBe(everyNeededPermission().length);
    }
  });

  it('runs every witness activity with the full role', async () => {
    for (const [rule, witness] of Object.entries(WITNESSES)) {
      const failure = await failureOf(inActivity(() => witness.run(witness.cluster().worker, ++runs)));
      expect(failure?.message ?? null, rule).toBeNull();
    }
  });

  it('fails the witness with a Forbidden naming the rule when that rule alone is removed', async () => {
    for (const role of roles()) {
      for (const [index, rule] of role.rules.entries()) {
        const id = ruleId(role, rule);
        const witness = WITNESSES[id];
        if (witness === undefined) throw new Error(`no witness for ${id}`);
        const c = witness.cluster();
        await setRules(
          c,
          role,
          role.rules.filter((_, i) => i !== index),
        );
        try {
          const failure = await failureOf(inActivity(() => witness.run(c.worker, ++runs)));
          expect(failure, `${id} removed, yet the witness succeeded`).not.toBeNull();
          // A tool's Forbidden is in the stderr the failure carries as evidence, not always its last line.
          const message = `${failure?.message ?? ''} ${JSON.stringify(failure?.details ?? [])}`.replace(/\\+"/g, '"');
          expect(message, id).toContain('forbidden');
          expect(message, id).toContain('system:serviceaccount:istio-upgrades:istio-upgrade-worker');
          const named = (rule.verbs ?? []).some((verb) =>
            (rule.resources ?? []).some((resource) => message.includes(`cannot ${verb} resource "${resource}"`)),
          );
          expect(named, `${id}: ${message}`).toBe(true);
        } finally {
          await setRules(c, role, role.rules);
        }
      }
    }
  });
});
