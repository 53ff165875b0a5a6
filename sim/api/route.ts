/**
 * URL → what is being asked for. Kubernetes paths are regular: `/api/v1/...` for the core group,
 * `/apis/<group>/<version>/...` for the rest, `namespaces/<ns>/` in front of namespaced
 * resources, then `<plural>[/<name>[/<subresource>]]`.
 */
import { findType, type ResourceType } from './resources.js';

export type Route =
  | { kind: 'version' }
  | { kind: 'api' }
  | { kind: 'apis' }
  | { kind: 'group'; group: string }
  | { kind: 'resources'; group: string; version: string }
  | { kind: 'accessReview' }
  | { kind: 'rulesReview' }
  | { kind: 'openapiV2' }
  | { kind: 'openapiV3' }
  /** `path` is the discovery key: `api/v1`, `apis/apps/v1`. */
  | { kind: 'openapiV3Doc'; path: string }
  | {
      kind: 'object';
      type: ResourceType;
      namespace?: string;
      name?: string;
      subresource?: string;
      /** Legacy `/watch/` path prefix. */
      watchPath: boolean;
    };

export function parseRoute(pathname: string): Route | undefined {
  const segs = pathname
    .split('/')
    .filter((s) => s !== '')
    .map(decodeURIComponent);
  if (segs[0] === 'version' && segs.length === 1) return { kind: 'version' };
  if (segs[0] === 'openapi') {
    if (segs[1] === 'v2' && segs.length === 2) return { kind: 'openapiV2' };
    if (segs[1] === 'v3')
      return segs.length === 2 ? { kind: 'openapiV3' } : { kind: 'openapiV3Doc', path: segs.slice(2).join('/') };
    return undefined;
  }
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === 'api') {
    if (segs.length === 1) return { kind: 'api' };
    if (segs[1] !== 'v1') return undefined;
    group = '';
    version = 'v1';
    rest = segs.slice(2);
  } else if (segs[0] === 'apis') {
    if (segs.length === 1) return { kind: 'apis' };
    group = segs[1] ?? '';
    if (segs.length === 2) return { kind: 'group', group };
    version = segs[2] ?? '';
    rest = segs.slice(3);
  } else {
    return undefined;
  }
  if (rest.length === 0) return { kind: 'resources', group, version };
  if (group === 'authorization.k8s.io' && rest[0] === 'selfsubjectaccessreviews' && rest.length === 1)
    return { kind: 'accessReview' };
  if (group === 'authorization.k8s.io' && rest[0] === 'selfsubjectrulesreviews' && rest.length === 1)
    return { kind: 'rulesReview' };
  let watchPath = false;
  if (rest[0] === 'watch') {
    watchPath = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const inner = findType(group, rest[2] ?? '');
    if (inner?.namespaced) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
  }
  const type = findType(group, rest[0] ?? '');
  if (!type || type.version !== version || rest.length > 3) return undefined;
  if (namespace !== undefined && !type.namespaced) return undefined;
  return { kind: 'object', type, namespace, name: rest[1], subresource: rest[2], watchPath };
}
