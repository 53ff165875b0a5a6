/**
 * SelfSubjectRulesReview, asked by the real `kubectl auth can-i --list` (protobuf on the wire):
 * the rules a user holds in a namespace, with RBAC on and off.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type Sim } from '../../../sim/index.js';
import { api, bookinfo, kubectl } from '../support.js';

const POLICY = `
apiVersion: v1
kind: Namespace
metadata: { name: upgrades }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: restart-bookinfo, namespace: bookinfo }
rules:
  - { apiGroups: [apps], resources: [deployments], verbs: [get, patch] }
  - { apiGroups: [""], resources: [configmaps], resourceNames: [mesh], verbs: [get] }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: upgrader-restart, namespace: bookinfo }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: restart-bookinfo }
subjects:
  - { kind: ServiceAccount, name: upgrader, namespace: upgrades }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: read-namespaces }
rules:
  - { apiGroups: [""], resources: [namespaces], verbs: [list, watch] }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: upgrader-read-namespaces }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: read-namespaces }
subjects:
  - { kind: ServiceAccount, name: upgrader, namespace: upgrades }
`;

/** kubectl's table: one row per rule, columns split on runs of two or more spaces. */
function rows(stdout: string): string[][] {
  return stdout
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s{2,}/));
}

describe('kubectl auth can-i --list with RBAC on', () => {
  let sim: Sim;
  let upgrader: string;
  beforeAll(async () => {
    sim = await startSim({ scenario: { ...bookinfo(), rbac: { enabled: true } }, timeScale: 20 });
    const policy = join(mkdtempSync(join(tmpdir(), 'ssrr-')), 'policy.yaml');
    writeFileSync(policy, POLICY);
    await kubectl(sim, ['apply', '-f', policy]);
    upgrader = sim.kubeconfigFor({ namespace: 'upgrades', name: 'upgrader' });
  });
  afterAll(() => sim?.stop());

  it('lists the Role bound in the namespace, the ClusterRole bound cluster-wide, and what every user may do', async () => {
    const out = await kubectl(sim, ['auth', 'can-i', '--list', '-n', 'bookinfo'], { kubeconfig: upgrader });
    expect(out.stdout.split('\n')[0]).toMatch(/^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs$/);
    const table = rows(out.stdout);
    expect(table).toContainEqual(['deployments.apps', '[]', '[]', '[get patch]']);
    expect(table).toContainEqual(['configmaps', '[]', '[mesh]', '[get]']);
    expect(table).toContainEqual(['namespaces', '[]', '[]', '[list watch]']);
    expect(table).toContainEqual(['selfsubjectrulesreviews.authorization.k8s.io', '[]', '[]', '[create]']);
    expect(table).toContainEqual(['[/api/*]', '[]', '[get]']);
  });

  it('in another namespace only the cluster-wide and implicit rules remain', async () => {
    const out = await kubectl(sim, ['auth', 'can-i', '--list', '-n', 'istio-system'], { kubeconfig: upgrader });
    const resources = rows(out.stdout).map((r) => r[0]);
    expect(resources).toContain('namespaces');
    expect(resources).not.toContain('deployments.apps');
    expect(resources).not.toContain('configmaps');
  });

  it('the admin (system:masters) holds everything; the review answers JSON clients too and writes nothing', async () => {
    const writes = sim.writeLog.length;
    const out = await kubectl(sim, ['auth', 'can-i', '--list', '-n', 'bookinfo']);
    expect(rows(out.stdout)).toContainEqual(['*.*', '[]', '[]', '[*]']);
    const review = await api(sim, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectRulesReview',
      spec: { namespace: 'bookinfo' },
    });
    expect(review.status).toBe(201);
    expect(review.body).toMatchObject({
      kind: 'SelfSubjectRulesReview',
      spec: { namespace: 'bookinfo' },
      status: { incomplete: false },
    });
    expect(sim.writeLog.length).toBe(writes);
  });

  it('agrees with can-i for discovery URLs every authenticated user may read', async () => {
    const yes = await kubectl(sim, ['auth', 'can-i', 'get', '/apis/apps'], { kubeconfig: upgrader });
    expect(yes.stdout.trim()).toBe('yes');
    const no = await kubectl(sim, ['auth', 'can-i', 'get', '/metrics'], { kubeconfig: upgrader, reject: false });
    expect(no.stdout.trim()).toBe('no');
  });
});

describe('kubectl auth can-i --list with RBAC off', () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSim({ scenario: bookinfo(), timeScale: 20 });
  });
  afterAll(() => sim?.stop());

  it('lists everything for any user, as a cluster that authorizes every request', async () => {
    const nobody = sim.kubeconfigFor({ namespace: 'default', name: 'nobody' });
    const out = await kubectl(sim, ['auth', 'can-i', '--list', '-n', 'bookinfo'], { kubeconfig: nobody });
    expect(rows(out.stdout)).toEqual([
      ['*.*', '[]', '[]', '[*]'],
      ['[*]', '[]', '[*]'],
    ]);
  });
});
