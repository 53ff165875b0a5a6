/**
 * API errors as the tools show them: the message of the Kubernetes Status (`namespaces "x" not
 * found`), which client-node keeps as the raw response body.
 */
import { ApiException } from '@kubernetes/client-node';

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiException && err.code === 404;
}

export function statusMessage(err: unknown): string {
  if (err instanceof ApiException) {
    const body: unknown = typeof err.body === 'string' ? safeJson(err.body) : err.body;
    const message = typeof body === 'object' && body !== null ? (body as { message?: unknown }).message : undefined;
    return typeof message === 'string' ? message : `the server responded with HTTP ${err.code}`;
  }
  return err instanceof Error ? err.message : String(err);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
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
