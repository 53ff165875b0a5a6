/**
 * RBAC switched on by the scenario: a ServiceAccount may do what its Roles grant and nothing
 * else, so a later issue can prove the upgrade worker's least privilege against the simulator.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type Sim } from '../../../sim/index.js';
import { bookinfo, kubectl } from '../support.js';

const POLICY = `
apiVersion: v1
kind: Namespace
metadata: { name: upgrades }
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: upgrader, namespace: upgrades }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: restart-bookinfo, namespace: bookinfo }
rules:
  - { apiGroups: [apps], resources: [deployments], resourceNames: [reviews-v2], verbs: [get, list, watch, patch] }
  - { apiGroups: [""], resources: [pods], verbs: [get, list] }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: upgrader-restart, namespace: bookinfo }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: restart-bookinfo }
subjects:
  - { kind: ServiceAccount, name: upgrader, namespace: upgrades }
`;

let sim: Sim;
let upgrader: string;

beforeAll(async () => {
  sim = await startSim({ scenario: { ...bookinfo(), rbac: { enabled: true } }, timeScale: 20 });
  // The admin (system:masters) sets up the policy, as a cluster admin would.
  const policy = join(mkdtempSync(join(tmpdir(), 'rbac-')), 'policy.yaml');
  writeFileSync(policy, POLICY);
  await kubectl(sim, ['apply', '-f', policy]);
  upgrader = sim.kubeconfigFor({ namespace: 'upgrades', name: 'upgrader' });
});
afterAll(() => sim?.stop());

describe('RBAC in the simulated cluster', () => {
  it('lets a ServiceAccount do what its Roles grant', async () => {
    const pods = await kubectl(sim, ['get', 'pods', '-n', 'bookinfo', '-o', 'name'], { kubeconfig: upgrader });
    expect(pods.stdout).toContain('pod/reviews-v2-');
    const restart = await kubectl(sim, ['rollout', 'restart', 'deployment/reviews-v2', '-n', 'bookinfo'], {
      kubeconfig: upgrader,
    });
    expect(restart.stdout).toContain('deployment.apps/reviews-v2 restarted');
  });

  it('refuses anything else with a 403 Status naming the user, verb and resource, and writes nothing', async () => {
    const writesBefore = sim.writeLog.length;
    const otherDeployment = await kubectl(sim, ['rollout', 'restart', 'deployment/reviews-v1', '-n', 'bookinfo'], {
      kubeconfig: upgrader,
      reject: false,
    });
    expect(otherDeployment.exitCode).toBe(1);
    expect(otherDeployment.stderr).toContain(
      'deployments.apps "reviews-v1" is forbidden: User "system:serviceaccount:upgrades:upgrader" cannot get resource "deployments" in API group "apps" in the namespace "bookinfo"',
    );

    const otherNamespace = await kubectl(sim, ['get', 'pods', '-n', 'istio-system'], {
      kubeconfig: upgrader,
      reject: false,
    });
    expect(otherNamespace.exitCode).toBe(1);
    expect(otherNamespace.stderr).toContain(
      'cannot list resource "pods" in API group "" in the namespace "istio-system"',
    );

    const label = await kubectl(sim, ['label', 'namespace', 'bookinfo', 'istio.io/rev=1-27-3'], {
      kubeconfig: upgrader,
      reject: false,
    });
    expect(label.exitCode).toBe(1);
    expect(label.stderr).toContain('forbidden');
    expect(sim.writeLog.length).toBe(writesBefore);
  });
});
