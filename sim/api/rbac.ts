/**
 * RBAC the way the API server evaluates it: a request is allowed when some RoleBinding in its
 * namespace or some ClusterRoleBinding grants a rule covering its group, resource (or
 * resource/subresource), verb and name. With RBAC off every authenticated user may do anything,
 * like a kind cluster used as admin; with it on, a scenario can prove least privilege.
 */
import type { KubeObject } from './object.js';
import { T, findType, qualifiedName } from './resources.js';
import { ApiError } from './status.js';
import type { Store } from './store.js';

export interface UserInfo {
  name: string;
  groups: string[];
}

export interface Attributes {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}

interface Binding extends KubeObject {
  roleRef?: { kind: string; name: string };
  subjects?: Subject[];
}

function subjectMatches(s: Subject, user: UserInfo): boolean {
  switch (s.kind) {
    case 'User':
      return s.name === user.name;
    case 'Group':
      return user.groups.includes(s.name);
    case 'ServiceAccount':
      return user.name === `system:serviceaccount:${s.namespace ?? ''}:${s.name}`;
    default:
      return false;
  }
}

function ruleAllows(rule: PolicyRule, a: Attributes): boolean {
  const has = (list: string[] | undefined, value: string) => (list ?? []).some((v) => v === '*' || v === value);
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const resourceOk = (rule.resources ?? []).some(
    (r) =>
      r === '*' ||
      r === resource ||
      (r === `${a.resource}/*` && a.subresource !== undefined) ||
      (r === `*/${a.subresource ?? ''}` && a.subresource !== undefined),
  );
  const namesOk = !rule.resourceNames?.length || (a.name !== undefined && rule.resourceNames.includes(a.name));
  return has(rule.apiGroups, a.group) && resourceOk && has(rule.verbs, a.verb) && namesOk;
}

export function isAllowed(store: Store, user: UserInfo, a: Attributes): boolean {
  return explainAllowed(store, user, a) !== null;
}

/**
 * Why a request is allowed, in the words the API server's RBAC authorizer uses for an access
 * review's `reason` ("RBAC: allowed by RoleBinding ..."), or null when nothing grants it.
 */
export function explainAllowed(store: Store, user: UserInfo, a: Attributes): string | null {
  if (user.groups.includes('system:masters'))
    return 'RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" to Group "system:masters"';
  const bindings: Array<{ binding: Binding; namespace?: string }> = store
    .list(T.clusterrolebindings)
    .map((b) => ({ binding: b }));
  if (a.namespace) {
    for (const b of store.list(T.rolebindings, a.namespace)) bindings.push({ binding: b, namespace: a.namespace });
  }
  for (const { binding, namespace } of bindings) {
    const subject = (binding.subjects ?? []).find((s) => subjectMatches(s, user));
    if (subject === undefined) continue;
    const ref = binding.roleRef;
    if (!ref) continue;
    const role =
      ref.kind === 'Role' ? store.get(T.roles, namespace, ref.name) : store.get(T.clusterroles, undefined, ref.name);
    const rules = (role?.rules ?? []) as PolicyRule[];
    if (rules.some((r) => ruleAllows(r, a))) {
      const bindingKind = namespace === undefined ? 'ClusterRoleBinding' : 'RoleBinding';
      const where = namespace === undefined ? '' : ` in namespace "${namespace}"`;
      const who = subject.kind === 'ServiceAccount' ? `${subject.namespace ?? ''}/${subject.name}` : subject.name;
      return `RBAC: allowed by ${bindingKind} "${binding.metadata.name}" of ${ref.kind} "${ref.name}" to ${subject.kind} "${who}"${where}`;
    }
  }
  return null;
}

/**
 * Every rule granted to the user in a namespace (RoleBindings there and all ClusterRoleBindings),
 * as the RBAC authorizer's RulesFor lists them for a SelfSubjectRulesReview.
 */
export function rulesFor(store: Store, user: UserInfo, namespace: string): PolicyRule[] {
  const rules: PolicyRule[] = [];
  const bindings: Array<{ binding: Binding; namespace?: string }> = [
    ...store.list(T.clusterrolebindings).map((b) => ({ binding: b })),
    ...(namespace === '' ? [] : store.list(T.rolebindings, namespace).map((b) => ({ binding: b, namespace }))),
  ];
  for (const { binding, namespace: ns } of bindings) {
    if (!(binding.subjects ?? []).some((s) => subjectMatches(s, user)) || !binding.roleRef) continue;
    const ref = binding.roleRef;
    const role =
      ref.kind === 'Role' ? store.get(T.roles, ns, ref.name) : store.get(T.clusterroles, undefined, ref.name);
    rules.push(...((role?.rules ?? []) as PolicyRule[]));
  }
  return rules;
}

export function forbidden(user: UserInfo, a: Attributes): ApiError {
  const t = findType(a.group, a.resource);
  const what = t ? qualifiedName(t) : a.resource;
  const subject = a.name ? `${what} "${a.name}"` : what;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  return new ApiError(
    403,
    'Forbidden',
    `${subject} is forbidden: User "${user.name}" cannot ${a.verb} resource "${resource}" in API group "${a.group}" ${scope}`,
    { ...(a.name ? { name: a.name } : {}), group: a.group, kind: a.resource },
  );
}
