/**
 * Recognises a partial upgrade in the inventory: the spec's new revision already runs the target,
 * and a revert left namespaces (or workloads pinned by their pod label) on the old revision with
 * an `istio-upgrade.io/reverted` mark. The planner then plans only what is left, from the old
 * revision the marks name, instead of refusing a cluster where two revisions run.
 */
import type { Inventory, RevertedMark } from '../inventory.js';
import { REV_LABEL, injectionTarget } from '../labels.js';
import type { Spec } from '../spec/schema.js';
import { compareVersions, parseVersion, revisionName, sailRevisionName, tryParseVersion } from '../version.js';

export interface ContinuationFacts {
  /** The upgrade that reverted them: the latest mark's. */
  upgrade: string;
  /** The revision the marks went back to: the continuation's source. */
  oldRevision: string;
  newRevision: string;
  /** Each reverted namespace (workload null) or pinned workload still on the old revision, by namespace then name. */
  marks: { namespace: string; workload: string | null; mark: RevertedMark }[];
}

/** The revision the spec's target is installed as, named the way the planner names it. */
export function newRevisionOf(spec: Spec): string {
  const target = parseVersion(spec.version.target);
  return spec.install.method === 'sail' ? sailRevisionName(spec.install.sailIstioName, target) : revisionName(target);
}

/** The partial upgrade this inventory shows for this spec, or null when it shows none. */
export function findContinuation(spec: Spec, inventory: Inventory): ContinuationFacts | null {
  if (spec.install.strategy !== 'revision') return null;
  const newRevision = newRevisionOf(spec);
  const running = (name: string) => {
    const version = tryParseVersion(
      inventory.controlPlane.revisions.find((revision) => revision.name === name)?.version,
    );
    return version;
  };
  const installed = running(newRevision);
  if (installed === null || compareVersions(installed, parseVersion(spec.version.target)) !== 0) return null;

  const tags = [...inventory.controlPlane.tags, ...(inventory.sail?.revisionTags ?? [])];
  const resolve = (label: string | null) => tags.find((tag) => tag.name === label)?.revision ?? label;
  // A mark counts while what it marks is still off the new revision and its old revision still runs:
  // moved again by hand, or with its revision gone, it is history, not work left.
  const left = (mark: RevertedMark, label: string | null) =>
    mark.from === newRevision && resolve(label) !== newRevision && running(mark.to) !== null;
  const marks = [
    ...inventory.namespaces.flatMap((namespace) =>
      namespace.reverted !== undefined && left(namespace.reverted, injectionTarget(namespace))
        ? [{ namespace: namespace.name, workload: null, mark: namespace.reverted }]
        : [],
    ),
    ...inventory.deployments.flatMap((deployment) =>
      deployment.reverted !== undefined && left(deployment.reverted, deployment.podLabels[REV_LABEL] ?? null)
        ? [{ namespace: deployment.namespace, workload: deployment.name, mark: deployment.reverted }]
        : [],
    ),
  ].sort((a, b) => a.namespace.localeCompare(b.namespace) || (a.workload ?? '').localeCompare(b.workload ?? ''));
  const latest = [...marks].sort((a, b) => b.mark.at.localeCompare(a.mark.at))[0];
  if (latest === undefined) return null;
  return {
    upgrade: latest.mark.upgrade,
    oldRevision: latest.mark.to,
    newRevision,
    marks: marks.filter((entry) => entry.mark.to === latest.mark.to),
  };
}
