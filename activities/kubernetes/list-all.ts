/**
 * Cluster-wide lists in pages (`limit` and `continue`), each page reduced to what the caller
 * keeps before the next is read: a large cluster never sits whole in the worker's memory, and
 * the API server is asked for bounded chunks as it prefers.
 */
import { setHeaderOptions } from '@kubernetes/client-node';
import { read } from './call.js';

export const PAGE_SIZE = 500;

interface ListPage<T> {
  items: T[];
  metadata?: { _continue?: string };
}

export async function listAll<T, R>(
  what: string,
  fetchPage: (page: { limit: number; _continue?: string }) => Promise<ListPage<T>>,
  keep: (item: T) => R,
): Promise<R[]> {
  const out: R[] = [];
  let token: string | undefined;
  do {
    const page = await read(what, () =>
      fetchPage({ limit: PAGE_SIZE, ...(token === undefined ? {} : { _continue: token }) }),
    );
    for (const item of page.items) out.push(keep(item));
    token = page.metadata?._continue || undefined;
  } while (token !== undefined);
  return out;
}

/** Asks for metadata only: labels and names of Secrets without their data ever leaving the API server. */
export const metadataOnly = setHeaderOptions(
  'Accept',
  'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json',
);
