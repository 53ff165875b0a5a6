/**
 * What the git activities take from the worker's environment: who the runbook commits as.
 * Credentials are never configured here nor passed in an input: `git` finds them itself (the
 * worker's credential helper, its SSH key or agent), so they never reach workflow history.
 *
 *   ISTIO_UPGRADE_GIT_AUTHOR   `Name <email>` of the runbook's commits; default istio-upgrade <istio-upgrade@localhost>
 */
export interface GitConfig {
  author: { name: string; email: string };
  /** Per git command; a clone of a large repository is the slowest. */
  timeoutMs: number;
}

export const DEFAULT_AUTHOR = { name: 'istio-upgrade', email: 'istio-upgrade@localhost' };

export function gitConfigFromEnv(env: NodeJS.ProcessEnv = process.env): GitConfig {
  const text = env.ISTIO_UPGRADE_GIT_AUTHOR?.trim();
  if (text === undefined || text === '') return { author: DEFAULT_AUTHOR, timeoutMs: 300_000 };
  const parsed = /^(.+?)\s*<([^<>\s]+@[^<>\s]+)>$/.exec(text);
  if (parsed === null || parsed[1] === undefined || parsed[2] === undefined)
    throw new Error(`ISTIO_UPGRADE_GIT_AUTHOR: expected "Name <email>", got ${JSON.stringify(text)}`);
  return { author: { name: parsed[1], email: parsed[2] }, timeoutMs: 300_000 };
}
