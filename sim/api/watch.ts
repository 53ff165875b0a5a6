/**
 * Watch streams: newline-delimited JSON events, resumable from a resourceVersion, with 410
 * Expired (sent as an ERROR event, as the real server does once the stream has started) when the
 * version has been compacted, bookmarks on request, the watch-list protocol
 * (`sendInitialEvents=true`), and the dropped-watch fault.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from './object.js';
import { apiVersionOf, type ResourceType } from './resources.js';
import type { FieldSelector, Selector } from './selectors.js';
import { errors } from './status.js';
import type { EventType, Store, StoreEvent } from './store.js';

export interface WatchRequest {
  type: ResourceType;
  namespace?: string;
  labels: Selector;
  fields: FieldSelector;
  resourceVersion?: string;
  sendInitialEvents: boolean;
  allowBookmarks: boolean;
  timeoutSeconds?: number;
  drop?: { afterEvents?: number; afterSeconds?: number };
}

/** Real milliseconds between bookmarks; frequent enough that idle watchers stay resumable. */
const BOOKMARK_INTERVAL_MS = 5_000;

export function serveWatch(store: Store, req: IncomingMessage, res: ServerResponse, w: WatchRequest): void {
  const matches = (o: KubeObject | undefined): boolean =>
    o !== undefined &&
    (!w.namespace || o.metadata.namespace === w.namespace) &&
    w.labels(o.metadata.labels) &&
    w.fields(o);

  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  let sent = 0;
  let closed = false;
  const timers: NodeJS.Timeout[] = [];
  let unsubscribe = (): void => {};

  const close = (): void => {
    if (closed) return;
    closed = true;
    unsubscribe();
    for (const t of timers) clearTimeout(t);
    res.end();
  };

  const write = (type: EventType | 'BOOKMARK' | 'ERROR', object: unknown): void => {
    if (closed) return;
    res.write(`${JSON.stringify({ type, object })}\n`);
    if (type === 'BOOKMARK') return;
    sent += 1;
    if (w.drop?.afterEvents !== undefined && sent >= w.drop.afterEvents) close();
  };

  const bookmark = (annotations?: Record<string, string>): void =>
    write('BOOKMARK', {
      kind: w.type.kind,
      apiVersion: apiVersionOf(w.type),
      metadata: { resourceVersion: String(store.resourceVersion), ...(annotations ? { annotations } : {}) },
    });

  const deliver = (e: StoreEvent): void => {
    if (e.resourceType !== w.type) return;
    const now = matches(e.object);
    if (e.type === 'MODIFIED') {
      const before = matches(e.previous);
      if (now && before) write('MODIFIED', e.object);
      else if (now) write('ADDED', e.object);
      else if (before) write('DELETED', e.object);
      return;
    }
    if (now) write(e.type, e.object);
  };

  const rv = w.resourceVersion;
  if (w.sendInitialEvents || !rv || rv === '0') {
    for (const o of store.list(w.type, w.namespace)) if (matches(o)) write('ADDED', o);
    if (w.sendInitialEvents) bookmark({ 'k8s.io/initial-events-end': 'true' });
  } else {
    const backlog = store.eventsAfter(Number(rv));
    if (!backlog || Number.isNaN(Number(rv))) {
      write('ERROR', errors.expired(`too old resource version: ${rv} (${store.oldestResumableVersion})`).toStatus());
      close();
      return;
    }
    for (const e of backlog) deliver(e);
  }
  if (closed) return;
  unsubscribe = store.subscribe(deliver, w.type);

  if (w.allowBookmarks) {
    const tick = (): void => {
      bookmark();
      timers.push(setTimeout(tick, BOOKMARK_INTERVAL_MS).unref());
    };
    timers.push(setTimeout(tick, BOOKMARK_INTERVAL_MS).unref());
  }
  if (w.timeoutSeconds !== undefined && w.timeoutSeconds > 0) timers.push(setTimeout(close, w.timeoutSeconds * 1000));
  if (w.drop?.afterSeconds !== undefined) timers.push(setTimeout(close, w.drop.afterSeconds * 1000));
  req.on('close', close);
}
