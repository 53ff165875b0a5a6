/**
 * One step of every kind, for every install method where the kind depends on it: the whole
 * space of what a plan can ask of the cluster, so the RBAC manifests can be held against it.
 * Only the fields core/permissions reads are filled in.
 */
import type { Step, StepKind } from '../../core/plan/steps.js';
import type { InstallMethod } from '../../core/spec/schema.js';

type Of<K extends StepKind> = Extract<Step, { kind: K }>;

function step<K extends StepKind>(kind: K, fields: Partial<Of<K>>): Step {
  return { id: `${kind}:${JSON.stringify(fields)}`, phase: 'control-plane', kind, ...fields } as Of<K>;
}

const METHODS: readonly InstallMethod[] = ['istioctl', 'helm', 'sail'];
const CP = 'istio-system';

export function everyKindOfStep(): Step[] {
  const gateway = {
    namespace: 'istio-ingress',
    name: 'istio-ingressgateway',
    kind: 'ingress' as const,
    revLabel: null,
  };
  const jobTest = {
    job: {
      image: 'curlimages/curl:8.10.1',
      command: ['curl', 'productpage:9080'],
      namespace: 'tests',
      timeoutSeconds: 60,
    },
  };
  return [
    step('precheck', { targetVersion: '1.27.3' }),
    step('gate', {}),
    step('soak', {}),
    step('upgrade-base', { method: 'helm', namespace: CP }),
    ...METHODS.flatMap((method) => [
      step('install-revision', { method, namespace: CP, revision: '1-27-3' }),
      step('upgrade-control-plane', {
        method,
        namespace: CP,
        alsoUpgrades: { gateways: [gateway], cni: true, ztunnel: true },
      }),
      step('upgrade-cni', { method }),
      step('upgrade-ztunnel', { method }),
      step('move-tag', { method, tag: 'default' }),
      step('remove-old-revision', { method, namespace: CP, revision: 'default' }),
    ]),
    step('switch-gateways', { gateways: [gateway] }),
    // A waypoint pinned to a revision name moves by its Gateway's label.
    step('switch-gateways', {
      revision: '1-27-3',
      gateways: [{ namespace: 'bookinfo', name: 'waypoint', kind: 'waypoint', revLabel: '1-27-3' }],
    }),
    step('move-namespace', { namespace: 'bookinfo' }),
    step('restart-workload', { namespace: 'bookinfo', name: 'reviews-v2', test: jobTest }),
    step('test-workload', { namespace: 'bookinfo', name: 'ztunnel-check', test: jobTest }),
    step('verify-proxies', { namespaces: ['bookinfo'] }),
  ];
}
