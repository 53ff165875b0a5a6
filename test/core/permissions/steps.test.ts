import { describe, expect, it } from 'vitest';
import { MISSING_PERMISSION_CHECK, missingPermissionFindings } from '../../../core/permissions/findings.js';
import { describePermission, grantingRule, permission, permissionKey } from '../../../core/permissions/permission.js';
import { planPermissions, stepPermissions } from '../../../core/permissions/steps.js';
import type { Step } from '../../../core/plan/steps.js';
import { everyKindOfStep } from '../../deploy/sample-steps.js';

const keys = (step: Step) => stepPermissions(step, 'istio-system').map(permissionKey).sort();
const find = (kind: Step['kind'], method?: string) =>
  everyKindOfStep().find(
    (s) => s.kind === kind && (method === undefined || ('method' in s && s.method === method)),
  ) as Step;

describe('the API permissions each step needs', () => {
  it('moves a namespace by reading and patching it: cluster-scoped, whatever namespace it is', () => {
    expect(keys(find('move-namespace'))).toEqual(['get /namespaces *', 'patch /namespaces *']);
  });

  it('restarts a workload in its namespace and runs its Job test where the test says', () => {
    expect(keys(find('restart-workload'))).toEqual([
      'create batch/jobs tests',
      'get apps/deployments bookinfo',
      'get batch/jobs tests',
      'list /pods bookinfo',
      'patch apps/deployments bookinfo',
      'watch apps/deployments bookinfo',
      'watch batch/jobs tests',
    ]);
  });

  it('needs nothing of the cluster to wait: gates and soaks', () => {
    expect(keys(find('gate'))).toEqual([]);
    expect(keys(find('soak'))).toEqual([]);
  });

  it('lets Sail remove the old revision (listing revisions, and what still uses it when Sail does not); istioctl deletes istiod itself', () => {
    expect(keys(find('remove-old-revision', 'sail'))).toEqual([
      'list /namespaces *',
      'list /pods *',
      'list admissionregistration.k8s.io/mutatingwebhookconfigurations *',
      'list sailoperator.io/istiorevisions *',
    ]);
    expect(keys(find('remove-old-revision', 'istioctl'))).toContain('delete apps/deployments istio-system');
  });

  it('keeps Helm release Secrets to Helm plans', () => {
    const secrets = (method: string) => keys(find('install-revision', method)).filter((k) => k.includes('/secrets'));
    expect(secrets('helm')).toEqual([
      'create /secrets istio-system',
      'delete /secrets istio-system',
      'get /secrets istio-system',
      'list /secrets istio-system',
      'patch /secrets istio-system',
    ]);
    expect(secrets('istioctl')).toEqual([]);
    expect(secrets('sail')).toEqual([]);
  });

  it('lists each permission of a plan once, with every step that needs it, after the inventory reads', () => {
    const steps = [find('move-namespace'), { ...find('move-namespace'), id: 'move-namespace:other' }];
    const required = planPermissions({ steps }, 'istio-system');
    expect(required[0]?.steps).toEqual(['inventory']);
    const patch = required.find((r) => permissionKey(r.permission) === 'patch /namespaces *');
    expect(patch?.steps).toEqual([steps[0]?.id, 'move-namespace:other']);
  });
});

describe('a refused permission as a finding', () => {
  it('blocks, naming verb, resource, namespace, the steps and the Role that would grant it', () => {
    const p = permission('create', 'batch', 'jobs', 'tests');
    expect(describePermission(p)).toBe('create jobs.batch in namespace tests');
    const [finding] = missingPermissionFindings(
      [{ permission: p, steps: ['restart:bookinfo/reviews-v2@1.27.3'] }],
      'worker',
    );
    expect(finding).toEqual({
      check: MISSING_PERMISSION_CHECK,
      severity: 'block',
      message:
        '"worker" may not create jobs.batch in namespace tests: verb create, resource jobs.batch, namespace tests; needed by restart:bookinfo/reviews-v2@1.27.3.',
      evidence: ['kubectl auth can-i create jobs.batch -n tests -> no', 'step restart:bookinfo/reviews-v2@1.27.3'],
      remedy: `Grant it with a ${grantingRule(p)} for the identity the worker runs as (deploy/kubernetes/ has the full set), then plan again.`,
    });
    expect(grantingRule(p)).toBe(
      'Role in namespace tests (bound by a RoleBinding there) rule { apiGroups: ["batch"], resources: ["jobs"], verbs: ["create"] }',
    );
  });

  it('asks about a cluster-scoped resource without a namespace, even when a step names one', () => {
    expect(permission('patch', '', 'namespaces', 'bookinfo').namespace).toBeNull();
    expect(describePermission(permission('list', '', 'pods'))).toBe('list pods in all namespaces');
  });
});
