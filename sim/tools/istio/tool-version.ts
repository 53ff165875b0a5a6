/**
 * Which Istio release an istioctl stand-in claims to be. Runbooks keep one istioctl per
 * release (`istioctl-1.28`, `istioctl-1.28.1`), so the name it was invoked by decides; an
 * environment variable serves callers that cannot choose the name; plain `istioctl` is 1.26.4.
 */
import { LATEST_PATCHES } from '../../../core/releases.js';
import { parseVersion } from '../../istio/version.js';
import { ToolError } from '../cli/tool-error.js';

export const DEFAULT_ISTIOCTL_VERSION = '1.26.4';
export const VERSION_ENV = 'SIM_ISTIOCTL_VERSION';

/** `1.28` → the latest known patch of 1.28 (1.28.0 when the minor is unknown); `1.28.1` as is. */
export function fullVersion(text: string): string | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!m) return undefined;
  const minor = `${m[1]}.${m[2]}`;
  return m[3] === undefined ? (LATEST_PATCHES[minor] ?? `${minor}.0`) : `${minor}.${m[3]}`;
}

export function claimedVersion(invokedAs: string, env: string | undefined): string {
  const fromName = /^istioctl-(.+)$/.exec(invokedAs)?.[1];
  if (fromName !== undefined) {
    const v = fullVersion(fromName);
    if (!v)
      throw new ToolError(
        `cannot tell the Istio version from the name "${invokedAs}" (expected istioctl-1.28 or istioctl-1.28.1)`,
      );
    return v;
  }
  if (env !== undefined && env !== '') {
    const v = fullVersion(env);
    if (!v) throw new ToolError(`${VERSION_ENV}="${env}" is not an Istio version`);
    return v;
  }
  return DEFAULT_ISTIOCTL_VERSION;
}

export function minorOf(version: string): number {
  return parseVersion(version)?.minor ?? 0;
}
