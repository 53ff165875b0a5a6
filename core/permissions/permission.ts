/**
 * One Kubernetes API permission as RBAC and `SelfSubjectAccessReview` see it: a verb on a
 * resource of an API group, in a namespace or cluster-wide. The permissions precheck asks the
 * cluster about each one before the first write, so a missing one is a finding at plan time
 * rather than a Forbidden halfway through an upgrade.
 */

export const VERBS = ['get', 'list', 'watch', 'create', 'patch', 'update', 'delete'] as const;
export type Verb = (typeof VERBS)[number];

export interface ApiPermission {
  verb: Verb;
  /** `''` for the core group. */
  group: string;
  /** The plural resource name: `deployments`, `istios`. */
  resource: string;
  /** null: a cluster-scoped resource, or every namespace at once (a list across namespaces). */
  namespace: string | null;
}

/** Resources without a namespace: asking about them in one would ask the wrong question. */
const CLUSTER_SCOPED: ReadonlySet<string> = new Set([
  '/namespaces',
  'admissionregistration.k8s.io/mutatingwebhookconfigurations',
  'admissionregistration.k8s.io/validatingwebhookconfigurations',
  'sailoperator.io/istios',
  'sailoperator.io/istiorevisions',
  'sailoperator.io/istiorevisiontags',
  'sailoperator.io/istiocnis',
  'sailoperator.io/ztunnels',
]);

export function isClusterScoped(group: string, resource: string): boolean {
  return CLUSTER_SCOPED.has(`${group}/${resource}`);
}

export function permission(
  verb: Verb,
  group: string,
  resource: string,
  namespace: string | null = null,
): ApiPermission {
  return { verb, group, resource, namespace: isClusterScoped(group, resource) ? null : namespace };
}

export function permissionKey(p: ApiPermission): string {
  return `${p.verb} ${p.group}/${p.resource} ${p.namespace ?? '*'}`;
}

/** `deployments.apps`, `pods`: the way kubectl and API errors name a resource. */
export function qualifiedResource(p: Pick<ApiPermission, 'group' | 'resource'>): string {
  return p.group === '' ? p.resource : `${p.resource}.${p.group}`;
}

/** "patch deployments.apps in namespace bookinfo", "list pods in all namespaces". */
export function describePermission(p: ApiPermission): string {
  const where =
    p.namespace !== null
      ? `in namespace ${p.namespace}`
      : isClusterScoped(p.group, p.resource)
        ? '(cluster-scoped)'
        : 'in all namespaces';
  return `${p.verb} ${qualifiedResource(p)} ${where}`;
}

/** The `kubectl auth can-i` line that asks the same question, for the operator to re-run. */
export function canIArgs(p: ApiPermission): string[] {
  return [
    'auth',
    'can-i',
    p.verb,
    qualifiedResource(p),
    ...(p.namespace === null
      ? isClusterScoped(p.group, p.resource)
        ? []
        : ['--all-namespaces']
      : ['-n', p.namespace]),
  ];
}

/**
 * The smallest RBAC rule that grants it: a Role in the namespace when one namespace is enough,
 * a ClusterRole for cluster-scoped resources and cross-namespace lists.
 */
export function grantingRule(p: ApiPermission): string {
  const rule = `{ apiGroups: ["${p.group}"], resources: ["${p.resource}"], verbs: ["${p.verb}"] }`;
  return p.namespace === null
    ? `ClusterRole (bound by a ClusterRoleBinding) rule ${rule}`
    : `Role in namespace ${p.namespace} (bound by a RoleBinding there) rule ${rule}`;
}
