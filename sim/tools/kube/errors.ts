/**
 * API errors as the tools meet them: a 404 from client-node means the object is absent, which
 * the tools, like kubectl and helm, treat as an answer rather than a failure.
 */
import { ApiException } from '@kubernetes/client-node';

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiException && err.code === 404;
}

/** Runs a read that may find nothing: a 404 is `undefined`, anything else propagates. */
export async function orUndefined<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
