/**
 * OpenAPI documents, served so that real `kubectl apply -f` and `kubectl create -f` work with
 * their default `--validate=strict`. What kubectl (1.27 and later, read in kubectl's and
 * cli-runtime's sources) does with them:
 *
 * - Validation first asks OpenAPI v3 whether the PATCH operation of the object's
 *   group/version/kind declares the `fieldValidation` query parameter. If it does, kubectl
 *   validates nothing itself and sends `?fieldValidation=Strict`, leaving the check to the
 *   server. Every schema here keeps unknown fields, so the sim accepts any field it stores.
 * - When v3 does not know the kind (a CRD that is not installed, a typo), kubectl falls back to
 *   OpenAPI v2, read only as protobuf, to validate on the client. The v2 document below has no
 *   definitions, which means "no schema, skip": the object then reaches kubectl's REST mapper and
 *   fails as on a real cluster, `no matches for kind "X" in version "Y"`.
 * - `kubectl apply` computes its patch from v3 only when the PATCH operation accepts
 *   `application/strategic-merge-patch+json`. The operations below leave that type out on
 *   purpose: these minimal schemas carry no merge keys, so a patch built from them would replace
 *   lists (containers, ports) whole. Left out, kubectl uses the patch metadata compiled into it
 *   for built-in kinds (the same strategic merge patch it computes against a real cluster) and a
 *   JSON merge patch for custom resources, which is also what it does for real CRDs.
 */
import { createHash } from 'node:crypto';
import { SERVER_VERSION } from './discovery.js';
import { RESOURCE_TYPES, type ResourceType } from './resources.js';

/** `api/v1`, `apis/apps/v1`: the keys of the v3 discovery document, as client-go builds them. */
export function groupVersionPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
type JsonObject = { [key: string]: JsonValue };

const GVK = 'x-kubernetes-group-version-kind';
const PRESERVE = 'x-kubernetes-preserve-unknown-fields';
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/**
 * Schema names are opaque to clients; these follow the real server's scheme closely enough to
 * read naturally: `io.k8s.api.<group>.<version>.<Kind>` for built-in groups and the reversed
 * group for custom resources, as the apiextensions server names CRD schemas.
 */
function schemaName(t: ResourceType): string {
  if (t.group === '') return `io.k8s.api.core.${t.version}.${t.kind}`;
  if (!t.group.includes('.')) return `io.k8s.api.${t.group}.${t.version}.${t.kind}`;
  if (t.group.endsWith('.k8s.io') && !t.group.startsWith('apiextensions')) {
    return `io.k8s.api.${t.group.slice(0, -'.k8s.io'.length)}.${t.version}.${t.kind}`;
  }
  return `${t.group.split('.').reverse().join('.')}.${t.version}.${t.kind}`;
}

function kindSchema(t: ResourceType): JsonObject {
  return {
    description: `${t.kind} as the simulator stores it. Fields beyond these are kept as sent, so validation accepts any field.`,
    type: 'object',
    properties: {
      apiVersion: { description: 'The versioned schema of this representation of an object.', type: 'string' },
      kind: { description: 'The REST resource this object represents.', type: 'string' },
      metadata: {
        description: "Standard object's metadata.",
        default: {},
        allOf: [{ $ref: `#/components/schemas/${OBJECT_META}` }],
      },
    },
    [GVK]: [{ group: t.group, version: t.version, kind: t.kind }],
    [PRESERVE]: true,
  };
}

const stringMap: JsonObject = { type: 'object', additionalProperties: { type: 'string', default: '' } };

const objectMetaSchema: JsonObject = {
  description: 'The metadata every persisted object has. The sim keeps fields beyond these as sent.',
  type: 'object',
  properties: {
    name: { type: 'string' },
    generateName: { type: 'string' },
    namespace: { type: 'string' },
    labels: stringMap,
    annotations: stringMap,
    resourceVersion: { type: 'string' },
    uid: { type: 'string' },
  },
  [PRESERVE]: true,
};

function queryParam(name: string, description: string): JsonObject {
  return { name, in: 'query', description, schema: { type: 'string', uniqueItems: true } };
}

function pathParam(name: string, description: string): JsonObject {
  return { name, in: 'path', required: true, description, schema: { type: 'string', uniqueItems: true } };
}

const WRITE_PARAMS = [
  queryParam('dryRun', 'When present, indicates that modifications should not be persisted.'),
  queryParam('fieldManager', 'A name associated with the actor or entity that is making these changes.'),
  // kubectl looks for exactly this parameter on the PATCH operation to leave validation to the server.
  queryParam('fieldValidation', 'How the server treats unknown or duplicate fields: Ignore, Warn or Strict.'),
];

function content(types: string[], ref: string): JsonObject {
  return Object.fromEntries(types.map((type) => [type, { schema: { $ref: ref } }]));
}

function ok(ref: string): JsonObject {
  return { description: 'OK', content: content(['application/json', 'application/yaml'], ref) };
}

function operation(t: ResourceType, action: string, extra: JsonObject): JsonObject {
  return {
    operationId: `${action}${t.kind}`,
    [GVK]: { group: t.group, version: t.version, kind: t.kind },
    'x-kubernetes-action': action,
    ...extra,
  };
}

/** The collection and item paths of one type, with the operations the sim serves on them. */
function pathsOf(t: ResourceType): Record<string, JsonObject> {
  const ref = `#/components/schemas/${schemaName(t)}`;
  const base = `/${groupVersionPath(t.group, t.version)}${t.namespaced ? '/namespaces/{namespace}' : ''}/${t.plural}`;
  const scope = t.namespaced
    ? [pathParam('namespace', 'object name and auth scope, such as for teams and projects')]
    : [];
  const body = (types: string[]): JsonObject => ({ required: true, content: content(types, ref) });
  return {
    [base]: {
      parameters: scope,
      get: operation(t, 'list', { responses: { '200': ok(ref) } }),
      post: operation(t, 'post', {
        parameters: WRITE_PARAMS,
        requestBody: body(['*/*']),
        responses: { '201': ok(ref) },
      }),
    },
    [`${base}/{name}`]: {
      parameters: [pathParam('name', `name of the ${t.kind}`), ...scope],
      get: operation(t, 'get', { responses: { '200': ok(ref) } }),
      put: operation(t, 'put', { parameters: WRITE_PARAMS, requestBody: body(['*/*']), responses: { '200': ok(ref) } }),
      patch: operation(t, 'patch', {
        parameters: [...WRITE_PARAMS, queryParam('force', 'Force an apply patch to take conflicting fields.')],
        // No application/strategic-merge-patch+json: see the top of this file.
        requestBody: body([
          'application/json-patch+json',
          'application/merge-patch+json',
          'application/apply-patch+yaml',
        ]),
        responses: { '200': ok(ref) },
      }),
      delete: operation(t, 'delete', {
        parameters: [queryParam('dryRun', 'When present, indicates that modifications should not be persisted.')],
        responses: { '200': { description: 'OK' } },
      }),
    },
  };
}

interface GroupVersionDoc {
  text: string;
  hash: string;
}

function buildDocs(): Map<string, GroupVersionDoc> {
  const byPath = new Map<string, ResourceType[]>();
  for (const t of RESOURCE_TYPES) {
    const key = groupVersionPath(t.group, t.version);
    byPath.set(key, [...(byPath.get(key) ?? []), t]);
  }
  const docs = new Map<string, GroupVersionDoc>();
  for (const [key, types] of byPath) {
    const schemas: JsonObject = { [OBJECT_META]: objectMetaSchema };
    let paths: JsonObject = {};
    for (const t of types) {
      schemas[schemaName(t)] = kindSchema(t);
      paths = { ...paths, ...pathsOf(t) };
    }
    const doc: JsonObject = {
      openapi: '3.0.0',
      info: { title: 'Kubernetes', version: SERVER_VERSION.gitVersion },
      paths,
      components: { schemas },
    };
    const text = JSON.stringify(doc);
    // The real server's hash is a SHA-512 of the document; clients cache by it and never parse it.
    docs.set(key, { text, hash: createHash('sha512').update(text).digest('hex').toUpperCase() });
  }
  return docs;
}

const DOCS = buildDocs();

/** `GET /openapi/v3`: where each group/version's document lives. */
export function openApiV3Discovery(): unknown {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const [key, doc] of DOCS) paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${doc.hash}` };
  return { paths };
}

/** `GET /openapi/v3/<api/v1 | apis/group/version>`, or undefined for a group/version the sim does not serve. */
export function openApiV3Document(gvPath: string): GroupVersionDoc | undefined {
  return DOCS.get(gvPath);
}

const OPENAPI_V2_JSON = {
  swagger: '2.0',
  info: { title: 'Kubernetes', version: SERVER_VERSION.gitVersion },
  paths: {},
  definitions: {},
};

/** A length-delimited protobuf field (wire type 2): all the v2 document needs is strings and one message. */
function lengthDelimited(field: number, payload: Buffer): Buffer {
  const varint: number[] = [];
  let n = payload.length;
  while (n > 0x7f) {
    varint.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  varint.push(n);
  return Buffer.concat([Buffer.from([(field << 3) | 2, ...varint]), payload]);
}

/**
 * The v2 document in gnostic's `openapi_v2.Document` encoding: swagger (field 1) and info
 * (field 2: title 1, version 2). No paths and no definitions, for the reason at the top.
 */
function openApiV2Protobuf(): Buffer {
  const info = Buffer.concat([
    lengthDelimited(1, Buffer.from(OPENAPI_V2_JSON.info.title)),
    lengthDelimited(2, Buffer.from(OPENAPI_V2_JSON.info.version)),
  ]);
  return Buffer.concat([lengthDelimited(1, Buffer.from(OPENAPI_V2_JSON.swagger)), lengthDelimited(2, info)]);
}

/** `GET /openapi/v2`: protobuf when asked for it (kubectl), JSON otherwise (curl, other clients). */
export function openApiV2(accept: string | undefined): { contentType: string; body: Buffer } {
  // kubectl asks for application/com.github.proto-openapi.spec.v2@v1.0+protobuf and decodes the
  // body as protobuf whatever the reply's Content-Type says.
  if (accept?.includes('protobuf')) {
    // The spelling the real server answers with.
    return { contentType: 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf', body: openApiV2Protobuf() };
  }
  return { contentType: 'application/json', body: Buffer.from(JSON.stringify(OPENAPI_V2_JSON)) };
}
