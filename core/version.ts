/**
 * Istio version math: parsing, ordering, the hops an upgrade takes and the skew rule between
 * the control plane and the data plane.
 */
import { LATEST_PATCHES } from './releases.js';

export interface Version {
  major: number;
  minor: number;
  patch: number;
}

export class VersionError extends Error {
  override readonly name = 'VersionError';
}

const VERSION = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

/** Accepts `1.27.3` and `v1.27.3`; anything else (`1.27`, `1.27.3-rc.0`, `latest`) is refused. */
export function parseVersion(text: string): Version {
  const match = VERSION.exec(text.trim());
  if (!match) {
    throw new VersionError(`"${text}" is not an Istio version: expected MAJOR.MINOR.PATCH like 1.27.3 or v1.27.3`);
  }
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) };
}

export function tryParseVersion(text: string | null | undefined): Version | null {
  if (text === null || text === undefined) return null;
  return VERSION.test(text.trim()) ? parseVersion(text) : null;
}

export function formatVersion(version: Version): string {
  return `${version.major}.${version.minor}.${version.patch}`;
}

/** `1.27` */
export function minorOf(version: Version): string {
  return `${version.major}.${version.minor}`;
}

export function compareVersions(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/** How many minors `to` is ahead of `from` (negative when behind). Istio has stayed on major 1. */
export function minorsBetween(from: Version, to: Version): number {
  if (from.major !== to.major) {
    throw new VersionError(`crossing major versions (${formatVersion(from)} to ${formatVersion(to)}) is not supported`);
  }
  return to.minor - from.minor;
}

/** The revision name istioctl and Helm installs use: `1-28-0`. */
export function revisionName(version: Version): string {
  return `${version.major}-${version.minor}-${version.patch}`;
}

/** The IstioRevision Sail creates for a RevisionBased `Istio` named `istioName`: `default-v1-28-0`. */
export function sailRevisionName(istioName: string, version: Version): string {
  return `${istioName}-v${revisionName(version)}`;
}

/**
 * The versions an in-place upgrade passes through, one minor per hop, ending at `to`.
 * Intermediate hops take the patch from `intermediate` (keyed by minor, from the spec) or else
 * from the release list shipped in core/releases.ts; `sources` says which, for the plan to show.
 */
export function inPlaceHops(
  from: Version,
  to: Version,
  intermediate: Readonly<Record<string, string>> = {},
): { version: Version; source: 'spec' | 'release-list' | 'target' }[] {
  const distance = minorsBetween(from, to);
  const hops: { version: Version; source: 'spec' | 'release-list' | 'target' }[] = [];
  for (let minor = from.minor + 1; minor < from.minor + distance; minor++) {
    const key = `${from.major}.${minor}`;
    const fromSpec = intermediate[key];
    const fromList = LATEST_PATCHES[key];
    if (fromSpec !== undefined) hops.push({ version: parseVersion(fromSpec), source: 'spec' });
    else if (fromList !== undefined) hops.push({ version: parseVersion(fromList), source: 'release-list' });
    else
      throw new VersionError(`no patch known for intermediate hop ${key}: name it in version.intermediate["${key}"]`);
  }
  hops.push({ version: to, source: 'target' });
  return hops;
}

/**
 * The skew rule for data-plane components (sidecars, gateways, istio-cni, ztunnel): at most one
 * minor behind the control plane and never ahead. Returns why a pairing breaks it, or null.
 */
export function skewViolation(controlPlane: Version, dataPlane: Version): string | null {
  if (compareVersions(dataPlane, controlPlane) > 0) {
    return `${formatVersion(dataPlane)} would be ahead of the control plane at ${formatVersion(controlPlane)}`;
  }
  const behind = minorsBetween(dataPlane, controlPlane);
  if (behind > 1) {
    return `${formatVersion(dataPlane)} would be ${behind} minors behind the control plane at ${formatVersion(controlPlane)} (at most one is supported)`;
  }
  return null;
}
