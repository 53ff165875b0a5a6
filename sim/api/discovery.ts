/**
 * Discovery documents. kubectl and client-node resolve `deploy` to `deployments.apps`, learn
 * which verbs exist and which resources are namespaced from these, so they must be complete for
 * every type the sim serves. Responses are legacy (unaggregated) discovery: clients that ask for
 * the aggregated form fall back to it when the Content-Type says plain JSON.
 */
import { RESOURCE_TYPES, apiVersionOf, type ResourceType } from './resources.js';

export const SERVER_VERSION = {
  major: '1',
  minor: '33',
  gitVersion: 'v1.33.1',
  gitCommit: '8adc0f041b8e7ad1d30e29cc59c6ae7a15e19828',
  gitTreeState: 'clean',
  buildDate: '2025-05-15T08:19:08Z',
  goVersion: 'go1.24.2',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** Groups the sim serves beyond RESOURCE_TYPES: resources that are only ever POSTed. */
const REVIEW_GROUP = 'authorization.k8s.io';

function groups(): Map<string, ResourceType[]> {
  const byGroup = new Map<string, ResourceType[]>();
  for (const t of RESOURCE_TYPES) {
    const list = byGroup.get(t.group) ?? [];
    list.push(t);
    byGroup.set(t.group, list);
  }
  return byGroup;
}

export function apiVersions(serverAddress: string): unknown {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupEntry(name: string, version: string): unknown {
  const gv = { groupVersion: `${name}/${version}`, version };
  return { name, versions: [gv], preferredVersion: gv };
}

export function apiGroupList(): unknown {
  const entries = [...groups().entries()]
    .filter(([g]) => g !== '')
    .map(([g, types]) => groupEntry(g, types[0]?.version ?? 'v1'));
  entries.push(groupEntry(REVIEW_GROUP, 'v1'));
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: entries };
}

export function apiGroup(group: string): unknown {
  if (group === REVIEW_GROUP) return { kind: 'APIGroup', apiVersion: 'v1', ...(groupEntry(group, 'v1') as object) };
  const types = groups().get(group);
  if (!types?.[0]) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...(groupEntry(group, types[0].version) as object) };
}

export function apiResourceList(group: string, version: string): unknown {
  if (group === REVIEW_GROUP && version === 'v1') {
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: `${group}/${version}`,
      resources: [
        {
          name: 'selfsubjectaccessreviews',
          singularName: 'selfsubjectaccessreview',
          namespaced: false,
          kind: 'SelfSubjectAccessReview',
          verbs: ['create'],
        },
        {
          name: 'selfsubjectrulesreviews',
          singularName: 'selfsubjectrulesreview',
          namespaced: false,
          kind: 'SelfSubjectRulesReview',
          verbs: ['create'],
        },
      ],
    };
  }
  const types = (groups().get(group) ?? []).filter((t) => t.version === version);
  if (types.length === 0) return undefined;
  const resources: unknown[] = [];
  for (const t of types) {
    resources.push({
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: VERBS,
      ...(t.shortNames ? { shortNames: t.shortNames } : {}),
      ...(t.categories ? { categories: t.categories } : {}),
    });
    if (t.status) {
      resources.push({
        name: `${t.plural}/status`,
        singularName: '',
        namespaced: t.namespaced,
        kind: t.kind,
        verbs: ['get', 'patch', 'update'],
      });
    }
    if (t.scale) {
      resources.push({
        name: `${t.plural}/scale`,
        singularName: '',
        namespaced: t.namespaced,
        group: 'autoscaling',
        version: 'v1',
        kind: 'Scale',
        verbs: ['get', 'patch', 'update'],
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf(types[0] as ResourceType), resources };
}
