/**
 * SelfSubjectAccessReview, asked by the real `kubectl auth can-i` (which sends protobuf) and by
 * client-node (JSON): the answer is the RBAC evaluation that guards the requests themselves.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthorizationV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type Sim } from '../../../sim/index.js';
import { bookinfo, kubectl } from '../support.js';

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
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: upgrader-restart, namespace: bookinfo }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: restart-bookinfo }
subjects:
  - { kind: ServiceAccount, name: upgrader, namespace: upgrades }
`;

describe('SelfSubjectAccessReview with RBAC on', () => {
  let sim: Sim;
  let upgrader: string;

  beforeAll(async () => {
    sim = await startSim({ scenario: { ...bookinfo(), rbac: { enabled: true } }, timeScale: 20 });
    const policy = join(mkdtempSync(join(tmpdir(), 'ssar-')), 'policy.yaml');
    writeFileSync(policy, POLICY);
    await kubectl(sim, ['apply', '-f', policy]);
    upgrader = sim.kubeconfigFor({ namespace: 'upgrades', name: 'upgrader' });
  });
  afterAll(() => sim?.stop());

  it('kubectl auth can-i says yes to what a RoleBinding grants, and why', async () => {
    const yes = await kubectl(sim, ['auth', 'can-i', 'patch', 'deployments.apps', '-n', 'bookinfo', '-v=6'], {
      kubeconfig: upgrader,
    });
    expect(yes.stdout.trim()).toBe('yes');
    const review = await new KubeConfigReview(upgrader).ask({
      verb: 'patch',
      group: 'apps',
      resource: 'deployments',
      namespace: 'bookinfo',
    });
    expect(review.reason).toBe(
      'RBAC: allowed by RoleBinding "upgrader-restart" of Role "restart-bookinfo" to ServiceAccount "upgrades/upgrader" in namespace "bookinfo"',
    );
  });

  it('kubectl auth can-i says no (exit 1) to another verb, namespace or resource', async () => {
    for (const args of [
      ['delete', 'deployments', '-n', 'bookinfo'],
      ['patch', 'deployments', '-n', 'istio-system'],
      ['patch', 'namespaces'],
      ['create', 'jobs.batch', '-n', 'bookinfo'],
    ]) {
      const no = await kubectl(sim, ['auth', 'can-i', ...args], { kubeconfig: upgrader, reject: false });
      expect(no.exitCode, args.join(' ')).toBe(1);
      expect(no.stdout.trim(), args.join(' ')).toBe('no');
    }
  });

  it('the admin (system:masters) may do anything, and writing a review writes nothing', async () => {
    const writes = sim.writeLog.length;
    const yes = await kubectl(sim, ['auth', 'can-i', 'delete', 'namespaces']);
    expect(yes.stdout.trim()).toBe('yes');
    expect(sim.writeLog.length).toBe(writes);
  });
});

describe('SelfSubjectAccessReview with RBAC off', () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSim({ scenario: bookinfo(), timeScale: 20 });
  });
  afterAll(() => sim?.stop());

  it('allows every authenticated user everything, like a cluster without an RBAC authorizer', async () => {
    const nobody = sim.kubeconfigFor({ namespace: 'default', name: 'nobody' });
    const yes = await kubectl(sim, ['auth', 'can-i', 'delete', 'deployments', '-n', 'bookinfo'], {
      kubeconfig: nobody,
    });
    expect(yes.stdout.trim()).toBe('yes');
    const review = await new KubeConfigReview(nobody).ask({
      verb: 'delete',
      group: 'apps',
      resource: 'deployments',
      namespace: 'bookinfo',
    });
    expect(review.allowed).toBe(true);
  });
});

/** client-node's typed client: JSON on the wire, as the permissions precheck activity sends it. */
class KubeConfigReview {
  private readonly api: AuthorizationV1Api;
  constructor(kubeconfig: string) {
    const config = new KubeConfig();
    config.loadFromFile(kubeconfig);
    this.api = config.makeApiClient(AuthorizationV1Api);
  }

  async ask(attributes: {
    verb: string;
    group: string;
    resource: string;
    namespace?: string;
  }): Promise<{ allowed: boolean; reason: string | undefined }> {
    const answer = await this.api.createSelfSubjectAccessReview({ body: { spec: { resourceAttributes: attributes } } });
    return { allowed: answer.status?.allowed ?? false, reason: answer.status?.reason };
  }
}
