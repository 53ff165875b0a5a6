/**
 * Istio versions as the sim compares them: `1.26.4`, `v1.26.4` (Sail's spelling) and image tags
 * all parse to the same triple.
 */
export interface Version {
  major: number;
  minor: number;
  patch: number;
}

export function parseVersion(text: string): Version | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(text.trim());
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0) };
}

export function compareVersions(a: string, b: string): number {
  const va = parseVersion(a);
  const vb = parseVersion(b);
  if (!va || !vb) return a.localeCompare(b);
  return va.major - vb.major || va.minor - vb.minor || va.patch - vb.patch;
}

/** `1.26.4` without Sail's `v`. */
export function bareVersion(text: string): string {
  return text.replace(/^v/, '');
}

/** `1-26-4`: the revision-name spelling of a version. */
export function dashed(text: string): string {
  return bareVersion(text).replace(/\./g, '-');
}

/** The version in an image reference such as `docker.io/istio/proxyv2:1.26.4-distroless`. */
export function imageVersion(image: string | undefined): string | undefined {
  if (!image) return undefined;
  const tag = image.slice(image.lastIndexOf(':') + 1);
  const v = parseVersion(tag);
  return v ? `${v.major}.${v.minor}.${v.patch}` : undefined;
}
