import type { PlanContext } from '../plan/context.js';
import { formatVersion } from '../version.js';
import type { Version } from '../version.js';
import type { Finding } from './finding.js';

/** What a check reads: the plan's context (spec, inventory, scope) and the versions crossed. */
export interface PrecheckInput {
  context: PlanContext;
  /** Control-plane versions in order, ending at the target. */
  hops: readonly Version[];
  /** Whether the plan removes the old revision (revision-based, nothing left on it). */
  removesOldRevision: boolean;
}

export interface Precheck {
  /** Stable id, also the `check` of its findings. */
  id: string;
  /** What it looks for, for `plan --list-prechecks` and the docs. */
  title: string;
  run(input: PrecheckInput): Finding[];
}

/** Whether the upgrade goes from below `major.minor.0` to at or above it. */
export function crosses(input: PrecheckInput, major: number, minor: number): boolean {
  const { source, target } = input.context;
  const below = (v: Version) => v.major < major || (v.major === major && v.minor < minor);
  return below(source) && !below(target);
}

/**
 * The hop of the chain that crosses into `major.minor` (`1.26.4 -> 1.27.3`), or null when the
 * upgrade does not cross it. Every hop's checks run at the first precheck step, before any write,
 * and each finding names the hop it belongs to.
 */
export function hopInto(input: PrecheckInput, major: number, minor: number): string | null {
  if (!crosses(input, major, minor)) return null;
  let from = input.context.source;
  for (const hop of input.hops) {
    if (hop.major > major || (hop.major === major && hop.minor >= minor))
      return `${formatVersion(from)} -> ${formatVersion(hop)}`;
    from = hop;
  }
  return null;
}
