/**
 * `SelfSubjectAccessReview` (authorization.k8s.io/v1): "may I do this?", answered by the same
 * RBAC evaluation that guards every request, so `kubectl auth can-i` and the permissions
 * precheck see exactly what the upgrade would meet. kubectl sends the review as Kubernetes
 * protobuf (a `k8s\0` envelope around the message); client-node sends JSON. Both are read;
 * the answer is JSON, which kubectl accepts too.
 */
import type { IncomingMessage } from 'node:http';
import { isJsonObject } from './object.js';
import { explainAllowed, rulesFor, type Attributes, type PolicyRule, type UserInfo } from './rbac.js';
import { errors } from './status.js';
import type { Store } from './store.js';

export async function readRawBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

type Fields = Map<number, Buffer[]>;

/** The length-delimited fields of one protobuf message by number; varints and fixed fields are skipped. */
function fields(buf: Buffer): Fields {
  const out: Fields = new Map();
  let pos = 0;
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = buf[pos++];
      if (byte === undefined) throw errors.badRequest('truncated protobuf');
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
  };
  while (pos < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    switch (key & 7) {
      case 0:
        varint();
        break;
      case 1:
        pos += 8;
        break;
      case 5:
        pos += 4;
        break;
      case 2: {
        const length = varint();
        out.set(field, [...(out.get(field) ?? []), buf.subarray(pos, pos + length)]);
        pos += length;
        break;
      }
      default:
        throw errors.badRequest(`unsupported protobuf wire type ${key & 7}`);
    }
  }
  return out;
}

const str = (f: Fields, n: number): string | undefined => f.get(n)?.[0]?.toString('utf8') || undefined;
const msg = (f: Fields, n: number): Fields | undefined => {
  const b = f.get(n)?.[0];
  return b === undefined ? undefined : fields(b);
};

const K8S_PROTOBUF_MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** The review's spec as JSON would carry it, from k8s.io/api/authorization/v1 generated.proto field numbers. */
function specFromProtobuf(body: Buffer): Record<string, unknown> {
  if (!body.subarray(0, 4).equals(K8S_PROTOBUF_MAGIC))
    throw errors.badRequest('protobuf body without the k8s envelope');
  const raw = fields(body.subarray(4)).get(2)?.[0];
  const review = raw === undefined ? undefined : fields(raw);
  const spec = review === undefined ? undefined : msg(review, 2);
  const ra = spec === undefined ? undefined : msg(spec, 1);
  const nra = spec === undefined ? undefined : msg(spec, 2);
  const out: Record<string, unknown> = {};
  if (ra !== undefined) {
    out.resourceAttributes = Object.fromEntries(
      (['namespace', 'verb', 'group', 'version', 'resource', 'subresource', 'name'] as const).flatMap((key, i) => {
        const value = str(ra, i + 1);
        return value === undefined ? [] : [[key, value]];
      }),
    );
  }
  if (nra !== undefined) out.nonResourceAttributes = { path: str(nra, 1) ?? '', verb: str(nra, 2) ?? '' };
  return out;
}

function specFromJson(body: Buffer): Record<string, unknown> {
  let review: unknown;
  try {
    review = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw errors.badRequest(`the body of the request could not be decoded: ${(err as Error).message}`);
  }
  return isJsonObject(review) && isJsonObject(review.spec) ? review.spec : {};
}

export function selfSubjectAccessReview(
  store: Store,
  rbac: boolean,
  user: UserInfo,
  body: Buffer,
  contentType: string | undefined,
): unknown {
  const spec = contentType?.startsWith('application/vnd.kubernetes.protobuf')
    ? specFromProtobuf(body)
    : specFromJson(body);
  const status = ((): { allowed: boolean; reason?: string } => {
    if (!rbac) return { allowed: true, reason: 'RBAC is off: every authenticated user may do anything' };
    const ra = isJsonObject(spec.resourceAttributes) ? spec.resourceAttributes : undefined;
    if (ra === undefined) {
      const nra = isJsonObject(spec.nonResourceAttributes) ? spec.nonResourceAttributes : {};
      const path = typeof nra.path === 'string' ? nra.path : '';
      const allowed =
        nra.verb === 'get' &&
        DISCOVERY_URLS.some((u) => u === path || (u.endsWith('*') && path.startsWith(u.slice(0, -1))));
      return allowed
        ? {
            allowed,
            reason:
              'RBAC: allowed by ClusterRoleBinding "system:discovery" of ClusterRole "system:discovery" to Group "system:authenticated"',
          }
        : { allowed: false };
    }
    const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
    const attrs: Attributes = {
      verb: text(ra.verb) ?? '',
      group: text(ra.group) ?? '',
      resource: text(ra.resource) ?? '',
      subresource: text(ra.subresource),
      namespace: text(ra.namespace),
      name: text(ra.name),
    };
    const reason = explainAllowed(store, user, attrs);
    return reason === null ? { allowed: false } : { allowed: true, reason };
  })();
  return { kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', metadata: {}, spec, status };
}

/**
 * The URLs every authenticated user may GET (the system:discovery ClusterRole, bound to
 * system:authenticated): the sim serves these to anyone with a token and nothing else outside
 * the API (no /healthz, /metrics).
 */
const DISCOVERY_URLS = ['/api', '/api/*', '/apis', '/apis/*', '/openapi', '/openapi/*', '/version', '/version/'];

/** What every authenticated user may do whatever the bindings say (system:basic-user, system:discovery). */
const IMPLICIT_RULES: PolicyRule[] = [
  {
    verbs: ['create'],
    apiGroups: ['authorization.k8s.io'],
    resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
  },
  { verbs: ['get'], nonResourceURLs: DISCOVERY_URLS },
];

const EVERYTHING: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

function rulesReviewNamespace(body: Buffer, contentType: string | undefined): string {
  if (contentType?.startsWith('application/vnd.kubernetes.protobuf')) {
    if (!body.subarray(0, 4).equals(K8S_PROTOBUF_MAGIC))
      throw errors.badRequest('protobuf body without the k8s envelope');
    const raw = fields(body.subarray(4)).get(2)?.[0];
    const review = raw === undefined ? undefined : fields(raw);
    const spec = review === undefined ? undefined : msg(review, 2);
    return (spec === undefined ? undefined : str(spec, 1)) ?? '';
  }
  const spec = specFromJson(body);
  return typeof spec.namespace === 'string' ? spec.namespace : '';
}

/**
 * `SelfSubjectRulesReview` (`kubectl auth can-i --list`): the rules the user holds in a namespace,
 * from the RoleBindings there and every ClusterRoleBinding, plus what any authenticated user
 * holds. With RBAC off the answer is everything, as the AlwaysAllow authorizer's is.
 */
export function selfSubjectRulesReview(
  store: Store,
  rbac: boolean,
  user: UserInfo,
  body: Buffer,
  contentType: string | undefined,
): unknown {
  const namespace = rulesReviewNamespace(body, contentType);
  const granted =
    !rbac || user.groups.includes('system:masters')
      ? [...EVERYTHING, ...(rbac ? IMPLICIT_RULES : [])]
      : [...rulesFor(store, user, namespace), ...IMPLICIT_RULES];
  const resourceRules = granted
    .filter((r) => r.nonResourceURLs === undefined)
    .map((r) => ({
      verbs: r.verbs ?? [],
      apiGroups: r.apiGroups ?? [],
      resources: r.resources ?? [],
      ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}),
    }));
  const nonResourceRules = granted
    .filter((r) => r.nonResourceURLs !== undefined)
    .map((r) => ({ verbs: r.verbs ?? [], nonResourceURLs: r.nonResourceURLs ?? [] }));
  return {
    kind: 'SelfSubjectRulesReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: {},
    spec: { namespace },
    status: { resourceRules, nonResourceRules, incomplete: false },
  };
}
