/**
 * Chunked lists (`limit` and `continue`) and metadata-only lists
 * (`Accept: application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1`), as the API
 * server serves them, so clients that page a large cluster or read only labels are exercised.
 * Pages are in key order (namespace, then name) and the continue token names the last key
 * served, so objects created or deleted between pages neither repeat nor shift the rest.
 */
import { errors } from './status.js';
import type { KubeObject } from './object.js';

const keyOf = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

export interface Page {
  items: KubeObject[];
  continue?: string;
  remainingItemCount?: number;
}

export function pageOf(all: readonly KubeObject[], limitParam: string | null, continueParam: string | null): Page {
  const limit = limitParam === null || limitParam === '' ? 0 : Number(limitParam);
  if (!Number.isInteger(limit) || limit < 0) throw errors.badRequest(`invalid limit "${limitParam ?? ''}"`);
  if (limit === 0 && (continueParam === null || continueParam === '')) return { items: [...all] };
  let after = '';
  if (continueParam !== null && continueParam !== '') {
    try {
      const decoded = JSON.parse(Buffer.from(continueParam, 'base64url').toString('utf8')) as { after?: unknown };
      if (typeof decoded.after !== 'string') throw new Error('no key');
      after = decoded.after;
    } catch {
      throw errors.badRequest('continue key is not valid: illegal base64 data or missing start key');
    }
  }
  const sorted = [...all].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
  const rest = after === '' ? sorted : sorted.filter((o) => keyOf(o) > after);
  if (limit === 0 || rest.length <= limit) return { items: rest };
  const items = rest.slice(0, limit);
  const last = items.at(-1);
  return {
    items,
    continue: Buffer.from(JSON.stringify({ after: last === undefined ? after : keyOf(last) })).toString('base64url'),
    remainingItemCount: rest.length - limit,
  };
}

export function wantsMetadataOnly(accept: string | undefined): boolean {
  return (accept ?? '').includes('as=PartialObjectMetadata');
}

export function metadataOnly(
  items: readonly KubeObject[],
): { kind: 'PartialObjectMetadata'; apiVersion: 'meta.k8s.io/v1'; metadata: KubeObject['metadata'] }[] {
  return items.map((o) => ({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata }));
}
