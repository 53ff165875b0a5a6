/**
 * What a saved plan would do, from `terraform show -json`, in words a human approves at the gate:
 * each resource it changes with its actions, and each Helm release's chart version before and
 * after. Only names, actions, charts and versions are taken: values, variables, sensitive
 * attributes and anything about the backend stay out, since the summary lands in workflow history.
 *
 * The hop asked for its Helm releases to move to one version and nothing else: a plan that would
 * destroy or replace anything, or change any other resource, is not the hop's change and blocks.
 */
export interface PlannedResource {
  address: string;
  actions: string[];
  /** For a helm_release: `istio-system/istiod`. */
  release: string | null;
  chart: string | null;
  from: string | null;
  to: string | null;
}

export interface PlanSummary {
  /** Resources the plan changes (no-ops and reads left out). */
  changes: PlannedResource[];
  /** Resources the hop did not ask for (destroyed, replaced, or not its Helm releases), each with why. */
  unplanned: string[];
}

interface ShowJson {
  resource_changes?: {
    address?: string;
    type?: string;
    change?: { actions?: string[]; before?: unknown; after?: unknown };
  }[];
}

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
const field = (attributes: unknown, name: string): string | null =>
  typeof attributes === 'object' && attributes !== null ? text((attributes as Record<string, unknown>)[name]) : null;

/** `releases` are the hop's Helm releases as `namespace/name`. */
export function summarizePlan(show: unknown, releases: readonly string[]): PlanSummary {
  const changes: PlannedResource[] = [];
  const unplanned: string[] = [];
  const ours = new Set(releases);
  for (const rc of (show as ShowJson).resource_changes ?? []) {
    const actions = rc.change?.actions ?? [];
    if (actions.every((action) => action === 'no-op' || action === 'read')) continue;
    const address = rc.address ?? '?';
    const { before, after } = rc.change ?? {};
    const isRelease = rc.type === 'helm_release';
    const name = field(after, 'name') ?? field(before, 'name');
    const namespace = field(after, 'namespace') ?? field(before, 'namespace') ?? 'default';
    const release = isRelease && name !== null ? `${namespace}/${name}` : null;
    changes.push({
      address,
      actions,
      release,
      chart: isRelease ? (field(after, 'chart') ?? field(before, 'chart')) : null,
      from: isRelease ? field(before, 'version') : null,
      to: isRelease ? field(after, 'version') : null,
    });
    if (actions.includes('delete'))
      unplanned.push(
        `${address} would be ${actions.includes('create') ? 'replaced (destroyed and created again)' : 'destroyed'}`,
      );
    else if (release === null || !ours.has(release))
      unplanned.push(
        `${address} would be ${actions.join(' and ')}d, and it is not one of the hop's Helm releases (${releases.join(', ')})`,
      );
  }
  return { changes, unplanned };
}

/** One line per change: `helm_release.istiod update: istio-system/istiod istiod 1.26.4 → 1.27.3`. */
export function describeChanges(changes: readonly PlannedResource[]): string[] {
  return changes.map((c) => {
    const what =
      c.release === null ? '' : `: ${c.release} ${c.chart ?? ''} ${c.from ?? '(none)'} → ${c.to ?? '(none)'}`;
    return `${c.address} ${c.actions.join('/')}${what.replace(/ {2,}/g, ' ')}`;
  });
}
