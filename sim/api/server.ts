/**
 * The HTTP front of the simulated API server: authentication, routing, faults, RBAC, admission
 * and the REST verbs over the store, with errors as `Status` objects. Every request is logged;
 * successful writes also go to the write log.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { parse as parseYaml } from 'yaml';
import type { SimClock } from '../clock.js';
import type { FaultSet } from '../faults/fault-set.js';
import { readRawBody, selfSubjectAccessReview, selfSubjectRulesReview } from './access-review.js';
import { fieldValidationOf, validateFields, warningHeader } from './field-validation.js';
import { PROTOBUF, decodeProtobufObject } from './protobuf.js';
import type { Admission } from './admission.js';
import { SERVER_VERSION, apiGroup, apiGroupList, apiResourceList, apiVersions } from './discovery.js';
import { openApiV2, openApiV3Discovery, openApiV3Document } from './openapi.js';
import {
  matchesFilter,
  type RequestFilter,
  type RequestLogEntry,
  type RequestVerb,
  type WriteLogEntry,
  type WriteVerb,
} from './log.js';
import { clone, isJsonObject, type KubeObject } from './object.js';
import { metadataOnly, pageOf, wantsMetadataOnly } from './paging.js';
import { applyPatch, patchTypeOf } from './patch.js';
import { forbidden, isAllowed, type Attributes, type UserInfo } from './rbac.js';
import { apiVersionOf, type ResourceType } from './resources.js';
import { parseRoute, type Route } from './route.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import { ApiError, errors } from './status.js';
import type { Store } from './store.js';
import { toTable, wantsTable } from './table.js';
import { selfSignedCertificate } from './tls.js';
import { serveWatch } from './watch.js';

export interface ApiServerOptions {
  store: Store;
  clock: SimClock;
  faults: FaultSet;
  admissions: Admission[];
  rbac: boolean;
  /**
   * Deletes a pod gracefully (the kubelet's part of a pod deletion): returns the pod while it
   * terminates, undefined once it is gone. Without it pods are removed at once.
   */
  deletePod?: (pod: KubeObject, gracePeriodSeconds: number | undefined) => KubeObject | undefined;
  /**
   * The mesh's telemetry in Prometheus' text format, served at `GET /metrics` without a token
   * (a scrape endpoint) and kept out of the request log, which records what clients do to the cluster.
   */
  scrapeMetrics?: () => { contentType: string; body: string };
}

/** DeleteOptions.gracePeriodSeconds, from the body kubectl sends or the query. */
function gracePeriodOf(body: unknown, q: URLSearchParams): number | undefined {
  const fromBody = isJsonObject(body) ? body.gracePeriodSeconds : undefined;
  if (typeof fromBody === 'number') return fromBody;
  const fromQuery = q.get('gracePeriodSeconds');
  return fromQuery === null || fromQuery === '' || Number.isNaN(Number(fromQuery)) ? undefined : Number(fromQuery);
}

type ObjectRoute = Extract<Route, { kind: 'object' }>;
type OpenApiRoute = Extract<Route, { kind: 'openapiV2' | 'openapiV3' | 'openapiV3Doc' }>;
type DiscoveryRoute = Exclude<Route, ObjectRoute | OpenApiRoute>;

function isOpenApi(route: Route): route is OpenApiRoute {
  return route.kind === 'openapiV2' || route.kind === 'openapiV3' || route.kind === 'openapiV3Doc';
}

interface Reply {
  code: number;
  body: unknown;
  /** Sent as `Warning` headers (fieldValidation=Warn), which kubectl prints. */
  warnings?: string[];
}

const MUTATING: ReadonlySet<RequestVerb> = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

function verbOf(method: string, route: ObjectRoute, query: URLSearchParams): RequestVerb {
  const watch = route.watchPath || query.get('watch') === 'true' || query.get('watch') === '1';
  switch (method) {
    case 'GET':
      if (watch) return 'watch';
      return route.name ? 'get' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return route.name ? 'delete' : 'deletecollection';
    default:
      throw errors.methodNotAllowed(method);
  }
}

/**
 * The request body as JSON would carry it. Protobuf is what kubectl's typed clients send to create
 * or replace a built-in object; a real server takes it there and nowhere else (patches are JSON or
 * YAML by definition), so it is decoded for POST and PUT and refused with 415 for the rest.
 */
function parseBody(raw: Buffer, contentType: string | undefined, t: ResourceType, verb: RequestVerb): unknown {
  const type = (contentType ?? 'application/json').split(';')[0]?.trim();
  if (type === PROTOBUF && raw.length > 0) {
    if (verb !== 'create' && verb !== 'update') throw errors.unsupportedMediaType(type);
    return decodeProtobufObject(t, raw);
  }
  const text = raw.toString('utf8');
  if (text.trim() === '') return undefined;
  if (type === PROTOBUF || type === 'application/cbor') throw errors.unsupportedMediaType(type ?? '');
  try {
    return type === 'application/apply-patch+yaml' || type === 'application/yaml' ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw errors.badRequest(`the body of the request could not be decoded: ${(err as Error).message}`);
  }
}

function asObject(body: unknown, t: ResourceType): KubeObject {
  if (!isJsonObject(body) || !isJsonObject(body.metadata)) {
    throw errors.badRequest(`the body of a ${t.kind} request must be an object with metadata`);
  }
  return body as KubeObject;
}

export class ApiServer {
  readonly requests: RequestLogEntry[] = [];
  readonly writeLog: WriteLogEntry[] = [];
  private readonly tokens = new Map<string, UserInfo>();
  private readonly http: Server;
  private readonly https: Server;
  private readonly listener: NetServer;
  private readonly sockets = new Set<Socket>();
  private requestSeq = 0;
  private writeSeq = 0;
  /** Plain HTTP, for curl and fetch. */
  url = '';
  /** The same port over TLS: what the kubeconfig uses, since client-go sends tokens only over TLS. */
  httpsUrl = '';
  /** PEM of the certificate the HTTPS side presents (self-signed, so also its CA). */
  readonly caPem: string;

  constructor(private readonly opts: ApiServerOptions) {
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) this.sendError(res, new ApiError(500, 'InternalError', String(err)));
        else res.end();
      });
    };
    const tls = selfSignedCertificate();
    this.caPem = tls.certPem;
    this.http = createHttpServer(handler);
    this.https = createHttpsServer({ cert: tls.certPem, key: tls.keyPem }, handler);
    for (const server of [this.http, this.https]) {
      // Watches are long-lived; Node's default request timeouts would cut them.
      server.requestTimeout = 0;
      server.headersTimeout = 0;
      server.keepAliveTimeout = 5_000;
    }
    // One port speaks both: a TLS ClientHello starts with byte 0x16, plain HTTP with a method name.
    this.listener = createNetServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.once('data', (first: Buffer) => {
        socket.pause();
        socket.unshift(first);
        (first[0] === 0x16 ? this.https : this.http).emit('connection', socket);
        process.nextTick(() => socket.resume());
      });
    });
  }

  addToken(token: string, user: UserInfo): void {
    this.tokens.set(token, user);
  }

  async listen(port: number): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.listener.once('error', reject);
      this.listener.listen(port, '127.0.0.1', () => resolve());
    });
    const addr = this.listener.address() as AddressInfo;
    this.url = `http://127.0.0.1:${addr.port}`;
    this.httpsUrl = `https://127.0.0.1:${addr.port}`;
    return this.url;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.listener.close(() => resolve()));
  }

  requestCount(filter: RequestFilter | ((e: RequestLogEntry) => boolean) = {}): number {
    const pred = typeof filter === 'function' ? filter : (e: RequestLogEntry) => matchesFilter(e, filter);
    return this.requests.filter(pred).length;
  }

  private sendJson(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  private sendError(res: ServerResponse, err: ApiError): void {
    const headers: Record<string, string> = {};
    if (err.details?.retryAfterSeconds !== undefined) headers['Retry-After'] = String(err.details.retryAfterSeconds);
    this.sendJson(res, err.code, err.toStatus(), headers);
  }

  private authenticate(req: IncomingMessage): UserInfo {
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(header);
    const user = m ? this.tokens.get(m[1] ?? '') : undefined;
    if (!user) throw errors.unauthorized();
    return user;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim');
    const method = req.method ?? 'GET';
    if (url.pathname === '/metrics' && method === 'GET' && this.opts.scrapeMetrics) {
      const { contentType, body } = this.opts.scrapeMetrics();
      res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    const entry: RequestLogEntry = {
      seq: ++this.requestSeq,
      method,
      path: url.pathname,
      query: url.search,
      verb: 'discovery',
      code: 0,
      time: this.opts.clock.iso(),
    };
    if (wantsMetadataOnly(req.headers.accept)) entry.metadataOnly = true;
    this.requests.push(entry);
    try {
      const user = this.authenticate(req);
      entry.user = user.name;
      const route = parseRoute(url.pathname);
      if (!route) throw errors.notFoundPath(url.pathname);
      if (isOpenApi(route)) {
        entry.code = this.openApi(route, url, req, res);
        return;
      }
      if (route.kind !== 'object') {
        const reply = await this.discovery(route, req, user);
        entry.code = reply.code;
        this.sendJson(res, reply.code, reply.body);
        return;
      }
      const verb = verbOf(method, route, url.searchParams);
      Object.assign(entry, {
        verb,
        group: route.type.group,
        version: route.type.version,
        resource: route.type.plural,
        namespace: route.namespace,
        name: route.name,
        subresource: route.subresource,
      });
      const attrs = {
        verb,
        resource: route.type.plural,
        subresource: route.subresource,
        namespace: route.namespace,
        name: route.name,
      };
      const delay = this.opts.faults.latencyFor(attrs);
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      const injected = this.opts.faults.errorFor(attrs);
      if (injected) throw injected;
      const authz: Attributes = { ...attrs, group: route.type.group };
      if (this.opts.rbac && !isAllowed(this.opts.store, user, authz)) throw forbidden(user, authz);
      if (verb === 'watch') {
        entry.code = 200;
        this.watch(route, url.searchParams, req, res);
        return;
      }
      const body = MUTATING.has(verb)
        ? parseBody(await readRawBody(req), req.headers['content-type'], route.type, verb)
        : undefined;
      const dryRun = url.searchParams.getAll('dryRun').includes('All');
      const reply = this.serve(
        verb,
        route,
        url.searchParams,
        body,
        req.headers['content-type'],
        dryRun,
        user,
        req.headers.accept,
      );
      const drop = MUTATING.has(verb) && !dryRun ? this.opts.faults.responseDropFor(attrs) : undefined;
      if (drop) {
        // The write is applied; the client only sees its connection close (code stays 0: nothing was sent).
        if (drop.holdMs > 0) await new Promise((r) => setTimeout(r, drop.holdMs));
        req.socket.destroy();
        return;
      }
      entry.code = reply.code;
      const warnings: Record<string, string> = reply.warnings?.length
        ? { Warning: reply.warnings.map(warningHeader).join(', ') }
        : {};
      this.sendJson(res, reply.code, reply.body, warnings);
    } catch (err) {
      const apiErr =
        err instanceof ApiError ? err : new ApiError(500, 'InternalError', `sim: ${(err as Error).message}`);
      entry.code = apiErr.code;
      this.sendError(res, apiErr);
    }
  }

  /**
   * OpenAPI documents (see openapi.ts), with the real server's caching contract for v3: a URL
   * whose hash matches is immutable, one with a stale hash is redirected to the current one.
   * Returns the status code sent.
   */
  private openApi(route: OpenApiRoute, url: URL, req: IncomingMessage, res: ServerResponse): number {
    if (req.method !== 'GET') throw errors.methodNotAllowed(req.method ?? '');
    switch (route.kind) {
      case 'openapiV2': {
        const { contentType, body } = openApiV2(req.headers.accept);
        res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': body.length });
        res.end(body);
        return 200;
      }
      case 'openapiV3':
        this.sendJson(res, 200, openApiV3Discovery(), { 'Cache-Control': 'no-cache, private' });
        return 200;
      case 'openapiV3Doc': {
        const doc = openApiV3Document(route.path);
        if (!doc) throw errors.notFoundPath(url.pathname);
        const asked = url.searchParams.get('hash');
        if (asked !== null && asked !== doc.hash) {
          res.writeHead(301, { Location: `${url.pathname}?hash=${doc.hash}`, 'Content-Length': 0 });
          res.end();
          return 301;
        }
        const cache = asked === null ? 'no-cache, private' : 'public, immutable';
        res.writeHead(200, {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(doc.text),
          'Cache-Control': cache,
          Etag: `"${doc.hash}"`,
        });
        res.end(doc.text);
        return 200;
      }
    }
  }

  private async discovery(route: DiscoveryRoute, req: IncomingMessage, user: UserInfo): Promise<Reply> {
    const found = (body: unknown): Reply => {
      if (body === undefined) throw errors.notFoundPath(req.url ?? '');
      return { code: 200, body };
    };
    switch (route.kind) {
      case 'version':
        return found(SERVER_VERSION);
      case 'api':
        return found(apiVersions(this.url.replace('http://', '')));
      case 'apis':
        return found(apiGroupList());
      case 'group':
        return found(apiGroup(route.group));
      case 'resources':
        return found(apiResourceList(route.group, route.version));
      case 'accessReview': {
        if (req.method !== 'POST') throw errors.methodNotAllowed(req.method ?? '');
        const body = await readRawBody(req);
        return {
          code: 201,
          body: selfSubjectAccessReview(this.opts.store, this.opts.rbac, user, body, req.headers['content-type']),
        };
      }
      case 'rulesReview': {
        if (req.method !== 'POST') throw errors.methodNotAllowed(req.method ?? '');
        const body = await readRawBody(req);
        return {
          code: 201,
          body: selfSubjectRulesReview(this.opts.store, this.opts.rbac, user, body, req.headers['content-type']),
        };
      }
    }
  }

  private watch(route: ObjectRoute, q: URLSearchParams, req: IncomingMessage, res: ServerResponse): void {
    const fieldParts = [q.get('fieldSelector'), route.name ? `metadata.name=${route.name}` : null].filter(
      (s): s is string => !!s,
    );
    serveWatch(this.opts.store, req, res, {
      type: route.type,
      namespace: route.namespace,
      labels: parseLabelSelector(q.get('labelSelector')),
      fields: parseFieldSelector(fieldParts.join(',')),
      resourceVersion: q.get('resourceVersion') ?? undefined,
      sendInitialEvents: q.get('sendInitialEvents') === 'true',
      allowBookmarks: q.get('allowWatchBookmarks') === 'true',
      timeoutSeconds: q.has('timeoutSeconds') ? Number(q.get('timeoutSeconds')) : undefined,
      drop: this.opts.faults.watchDropFor({ verb: 'watch', resource: route.type.plural, namespace: route.namespace }),
    });
  }

  private logWrite(
    verb: WriteVerb,
    t: ResourceType,
    namespace: string | undefined,
    name: string,
    subresource: string | undefined,
    user: UserInfo,
  ): void {
    this.writeLog.push({
      seq: ++this.writeSeq,
      verb,
      group: t.group,
      version: t.version,
      resource: t.plural,
      ...(namespace ? { namespace } : {}),
      name,
      ...(subresource ? { subresource } : {}),
      time: this.opts.clock.iso(),
      user: user.name,
    });
  }

  private admit(t: ResourceType, obj: KubeObject, op: 'create' | 'update'): void {
    for (const admission of this.opts.admissions) admission(t, obj, op);
  }

  private serve(
    verb: RequestVerb,
    route: ObjectRoute,
    q: URLSearchParams,
    body: unknown,
    contentType: string | undefined,
    dryRun: boolean,
    user: UserInfo,
    accept: string | undefined,
  ): Reply {
    const { store } = this.opts;
    const t = route.type;
    const ns = route.namespace;
    const sub = route.subresource;
    if (sub !== undefined && !((sub === 'status' && t.status) || (sub === 'scale' && t.scale))) {
      throw errors.notFoundPath(`${t.plural}/${sub}`);
    }
    if (sub !== undefined && !route.name) throw errors.notFoundPath(t.plural);
    const wrote = (v: WriteVerb, name: string): void => {
      if (!dryRun) this.logWrite(v, t, ns ?? undefined, name, sub, user);
    };
    switch (verb) {
      case 'get': {
        const obj = store.mustGet(t, ns, route.name ?? '');
        if (sub === 'scale') return { code: 200, body: scaleOf(obj) };
        return {
          code: 200,
          body: wantsTable(accept) ? toTable(t, [obj], String(store.resourceVersion), this.opts.clock.now()) : obj,
        };
      }
      case 'list': {
        const labels = parseLabelSelector(q.get('labelSelector'));
        const fields = parseFieldSelector(q.get('fieldSelector'));
        const page = pageOf(
          store.list(t, ns).filter((o) => labels(o.metadata.labels) && fields(o)),
          q.get('limit'),
          q.get('continue'),
        );
        const items = page.items;
        const rv = String(store.resourceVersion);
        const listMeta = {
          resourceVersion: rv,
          ...(page.continue === undefined
            ? {}
            : { continue: page.continue, remainingItemCount: page.remainingItemCount }),
        };
        if (wantsTable(accept)) return { code: 200, body: toTable(t, items, rv, this.opts.clock.now()) };
        if (wantsMetadataOnly(accept))
          return {
            code: 200,
            body: {
              kind: 'PartialObjectMetadataList',
              apiVersion: 'meta.k8s.io/v1',
              metadata: listMeta,
              items: metadataOnly(items),
            },
          };
        return { code: 200, body: { kind: `${t.kind}List`, apiVersion: apiVersionOf(t), metadata: listMeta, items } };
      }
      case 'create': {
        if (route.name) throw errors.methodNotAllowed('POST');
        const obj = clone(asObject(body, t));
        if (t.namespaced) {
          if (obj.metadata.namespace && ns && obj.metadata.namespace !== ns) {
            throw errors.badRequest(
              'the namespace of the provided object does not match the namespace sent on the request',
            );
          }
          obj.metadata.namespace = ns ?? obj.metadata.namespace ?? 'default';
        }
        const warnings = validateFields(t, obj, fieldValidationOf(q));
        this.admit(t, obj, 'create');
        const created = store.create(t, obj, { dryRun });
        wrote('create', created.metadata.name);
        return { code: 201, body: created, warnings };
      }
      case 'update': {
        const name = route.name ?? '';
        const obj = clone(asObject(body, t));
        if (obj.metadata.name !== name)
          throw errors.badRequest(
            `the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`,
          );
        obj.metadata.namespace = ns;
        if (sub === 'scale') return { code: 200, body: this.writeScale(route, obj, dryRun, wrote) };
        const warnings = validateFields(t, obj, fieldValidationOf(q), store.get(t, ns, name));
        if (!sub) this.admit(t, obj, 'update');
        const updated = store.update(t, obj, {
          subresource: sub === 'status' ? 'status' : undefined,
          checkResourceVersion: true,
          dryRun,
        });
        wrote('update', name);
        return { code: 200, body: updated, warnings };
      }
      case 'patch': {
        const name = route.name ?? '';
        const patchType = patchTypeOf(contentType);
        const current = store.get(t, ns, name);
        if (!current) {
          if (patchType !== 'apply') throw errors.notFound(t, name);
          const obj = asObject(body, t);
          obj.metadata = { ...obj.metadata, name, ...(ns ? { namespace: ns } : {}) };
          const warnings = validateFields(t, obj, fieldValidationOf(q));
          this.admit(t, obj, 'create');
          const created = store.create(t, obj, { dryRun });
          wrote('patch', name);
          return { code: 201, body: created, warnings };
        }
        const base = sub === 'scale' ? scaleOf(current) : current;
        const patched = applyPatch(patchType, clone(base), body);
        const obj = asObject(patched, t);
        const requestedRv =
          isJsonObject(body) && isJsonObject(body.metadata) ? body.metadata.resourceVersion : undefined;
        if (typeof requestedRv === 'string' && requestedRv !== current.metadata.resourceVersion)
          throw errors.conflict(t, name);
        obj.metadata.name = name;
        obj.metadata.resourceVersion = current.metadata.resourceVersion;
        if (sub === 'scale') return { code: 200, body: this.writeScale(route, obj, dryRun, wrote, 'patch') };
        const warnings = validateFields(t, obj, fieldValidationOf(q), current);
        if (!sub) this.admit(t, obj, 'update');
        const updated = store.update(t, obj, {
          subresource: sub === 'status' ? 'status' : undefined,
          checkResourceVersion: true,
          dryRun,
        });
        wrote('patch', name);
        return { code: 200, body: updated, warnings };
      }
      case 'delete': {
        const name = route.name ?? '';
        const preconditions = isJsonObject(body) && isJsonObject(body.preconditions) ? body.preconditions : {};
        const current = store.mustGet(t, ns, name);
        if (
          typeof preconditions.resourceVersion === 'string' &&
          preconditions.resourceVersion !== current.metadata.resourceVersion
        ) {
          throw errors.conflict(t, name);
        }
        if (this.opts.deletePod && t.group === '' && t.plural === 'pods' && !dryRun) {
          if (typeof preconditions.uid === 'string' && preconditions.uid !== current.metadata.uid)
            throw errors.conflict(t, name);
          const terminating = this.opts.deletePod(current, gracePeriodOf(body, q));
          wrote('delete', name);
          return { code: 200, body: terminating ?? successStatus(t, current) };
        }
        const deleted = store.delete(t, ns, name, {
          dryRun,
          uid: typeof preconditions.uid === 'string' ? preconditions.uid : undefined,
        });
        wrote('delete', name);
        return { code: 200, body: successStatus(t, deleted) };
      }
      case 'deletecollection': {
        const labels = parseLabelSelector(q.get('labelSelector'));
        const fields = parseFieldSelector(q.get('fieldSelector'));
        const deletePod = t.group === '' && t.plural === 'pods' && !dryRun ? this.opts.deletePod : undefined;
        for (const o of store.list(t, ns).filter((x) => labels(x.metadata.labels) && fields(x))) {
          if (deletePod) deletePod(o, gracePeriodOf(body, q));
          else store.delete(t, o.metadata.namespace, o.metadata.name, { dryRun });
          wrote('delete', o.metadata.name);
        }
        return { code: 200, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' } };
      }
      case 'watch':
      case 'discovery':
        throw errors.methodNotAllowed(verb);
    }
  }

  private writeScale(
    route: ObjectRoute,
    scale: KubeObject,
    dryRun: boolean,
    wrote: (v: WriteVerb, name: string) => void,
    verb: WriteVerb = 'update',
  ): unknown {
    const { store } = this.opts;
    const current = store.mustGet(route.type, route.namespace, route.name ?? '');
    const replicas = isJsonObject(scale.spec) ? scale.spec.replicas : undefined;
    if (typeof replicas !== 'number' || replicas < 0)
      throw errors.invalid(route.type, route.name ?? '', 'spec.replicas: Invalid value');
    const next = clone(current);
    next.spec = { ...(isJsonObject(next.spec) ? next.spec : {}), replicas };
    const updated = store.update(route.type, next, { dryRun });
    wrote(verb, route.name ?? '');
    return scaleOf(updated);
  }
}

function successStatus(t: ResourceType, obj: KubeObject): unknown {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name: obj.metadata.name, group: t.group, kind: t.plural, uid: obj.metadata.uid },
  };
}

function scaleOf(obj: KubeObject): KubeObject {
  const spec = isJsonObject(obj.spec) ? obj.spec : {};
  const status = isJsonObject(obj.status) ? obj.status : {};
  const sel = isJsonObject(spec.selector) && isJsonObject(spec.selector.matchLabels) ? spec.selector.matchLabels : {};
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
    },
    spec: { replicas: spec.replicas },
    status: {
      replicas: status.replicas ?? 0,
      selector: Object.entries(sel)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(','),
    },
  };
}
