/**
 * The resource types the simulated API server knows. Discovery, routing, RBAC and error
 * messages all read this one table, so adding a type is one line.
 */
export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  /** Has a /status subresource: writes to the main resource leave status alone and vice versa. */
  status?: boolean;
  /** Has a /scale subresource (kubectl scale). */
  scale?: boolean;
  categories?: string[];
}

const core = (kind: string, plural: string, namespaced: boolean, extra: Partial<ResourceType> = {}): ResourceType => ({
  group: '',
  version: 'v1',
  kind,
  plural,
  singular: kind.toLowerCase(),
  namespaced,
  ...extra,
});

const grouped = (
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  extra: Partial<ResourceType> = {},
): ResourceType => ({ group, version, kind, plural, singular: kind.toLowerCase(), namespaced, ...extra });

export const RESOURCE_TYPES: readonly ResourceType[] = [
  core('Namespace', 'namespaces', false, { shortNames: ['ns'], status: true }),
  core('Pod', 'pods', true, { shortNames: ['po'], status: true, categories: ['all'] }),
  core('Service', 'services', true, { shortNames: ['svc'], status: true, categories: ['all'] }),
  core('ConfigMap', 'configmaps', true, { shortNames: ['cm'] }),
  core('Secret', 'secrets', true),
  core('ServiceAccount', 'serviceaccounts', true, { shortNames: ['sa'] }),
  core('Node', 'nodes', false, { shortNames: ['no'], status: true }),
  core('Event', 'events', true, { shortNames: ['ev'] }),
  grouped('apps', 'v1', 'Deployment', 'deployments', true, {
    shortNames: ['deploy'],
    status: true,
    scale: true,
    categories: ['all'],
  }),
  grouped('apps', 'v1', 'DaemonSet', 'daemonsets', true, { shortNames: ['ds'], status: true, categories: ['all'] }),
  grouped('apps', 'v1', 'ReplicaSet', 'replicasets', true, {
    shortNames: ['rs'],
    status: true,
    scale: true,
    categories: ['all'],
  }),
  grouped('batch', 'v1', 'Job', 'jobs', true, { status: true, categories: ['all'] }),
  grouped('policy', 'v1', 'PodDisruptionBudget', 'poddisruptionbudgets', true, { shortNames: ['pdb'], status: true }),
  grouped('admissionregistration.k8s.io', 'v1', 'MutatingWebhookConfiguration', 'mutatingwebhookconfigurations', false),
  grouped(
    'admissionregistration.k8s.io',
    'v1',
    'ValidatingWebhookConfiguration',
    'validatingwebhookconfigurations',
    false,
  ),
  grouped('rbac.authorization.k8s.io', 'v1', 'Role', 'roles', true),
  grouped('rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'rolebindings', true),
  grouped('rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', false),
  grouped('rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', 'clusterrolebindings', false),
  grouped('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'customresourcedefinitions', false, {
    shortNames: ['crd', 'crds'],
    status: true,
  }),
  grouped('sailoperator.io', 'v1', 'Istio', 'istios', false, { status: true }),
  grouped('sailoperator.io', 'v1', 'IstioRevision', 'istiorevisions', false, {
    shortNames: ['istiorev'],
    status: true,
  }),
  grouped('sailoperator.io', 'v1', 'IstioRevisionTag', 'istiorevisiontags', false, { status: true }),
  grouped('sailoperator.io', 'v1', 'IstioCNI', 'istiocnis', false, { status: true }),
  grouped('sailoperator.io', 'v1', 'ZTunnel', 'ztunnels', false, { status: true }),
  grouped('gateway.networking.k8s.io', 'v1', 'Gateway', 'gateways', true, { shortNames: ['gtw'], status: true }),
  grouped('telemetry.istio.io', 'v1', 'Telemetry', 'telemetries', true, { shortNames: ['telemetry'], status: true }),
];

/** Identifies a type independently of version (the sim serves one version per group). */
export function typeKey(group: string, plural: string): string {
  return `${group}/${plural}`;
}

const byKey = new Map(RESOURCE_TYPES.map((t) => [typeKey(t.group, t.plural), t]));
const byKind = new Map(RESOURCE_TYPES.map((t) => [`${t.group}/${t.kind}`, t]));

export function findType(group: string, plural: string): ResourceType | undefined {
  return byKey.get(typeKey(group, plural));
}

export function typeFor(group: string, plural: string): ResourceType {
  const t = findType(group, plural);
  if (!t) throw new Error(`sim: unknown resource ${plural}.${group}`);
  return t;
}

/** Finds a type by apiVersion and kind, as written in a manifest. */
export function typeOfObject(apiVersion: string, kind: string): ResourceType | undefined {
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  return byKind.get(`${group}/${kind}`);
}

export function apiVersionOf(t: ResourceType): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

/** `deployments.apps`, `pods`: how Kubernetes names a resource in error messages. */
export function qualifiedName(t: ResourceType): string {
  return t.group ? `${t.plural}.${t.group}` : t.plural;
}

export const T = {
  namespaces: typeFor('', 'namespaces'),
  pods: typeFor('', 'pods'),
  services: typeFor('', 'services'),
  configmaps: typeFor('', 'configmaps'),
  secrets: typeFor('', 'secrets'),
  serviceaccounts: typeFor('', 'serviceaccounts'),
  nodes: typeFor('', 'nodes'),
  events: typeFor('', 'events'),
  deployments: typeFor('apps', 'deployments'),
  daemonsets: typeFor('apps', 'daemonsets'),
  replicasets: typeFor('apps', 'replicasets'),
  jobs: typeFor('batch', 'jobs'),
  mutatingwebhooks: typeFor('admissionregistration.k8s.io', 'mutatingwebhookconfigurations'),
  validatingwebhooks: typeFor('admissionregistration.k8s.io', 'validatingwebhookconfigurations'),
  roles: typeFor('rbac.authorization.k8s.io', 'roles'),
  rolebindings: typeFor('rbac.authorization.k8s.io', 'rolebindings'),
  clusterroles: typeFor('rbac.authorization.k8s.io', 'clusterroles'),
  clusterrolebindings: typeFor('rbac.authorization.k8s.io', 'clusterrolebindings'),
  istios: typeFor('sailoperator.io', 'istios'),
  istiorevisions: typeFor('sailoperator.io', 'istiorevisions'),
  istiorevisiontags: typeFor('sailoperator.io', 'istiorevisiontags'),
  istiocnis: typeFor('sailoperator.io', 'istiocnis'),
  ztunnels: typeFor('sailoperator.io', 'ztunnels'),
  gateways: typeFor('gateway.networking.k8s.io', 'gateways'),
} as const;
