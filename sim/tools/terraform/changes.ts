/**
 * What a plan proposes, resource by resource, in the shape `terraform show -json` prints
 * (`resource_changes[].change.actions/before/after`): the configuration against the state,
 * refreshed from the cluster for Helm releases (a release upgraded or removed by hand shows as
 * drift, as the helm provider's read finds it). `name` and `namespace` of a release force a
 * replacement (the helm provider's ForceNew), shown as `["delete","create"]`.
 */
import { parse as parseYaml } from 'yaml';
import type { Kube } from '../kube/connect.js';
import { findRelease } from '../helm/releases.js';
import { isValues, mergeValues, type Values } from '../helm/values.js';
import type { Configuration, ResourceConfig } from './configuration.js';
import { TerraformError } from './errors.js';
import { PROVIDERS, type State } from './state.js';

/** JSON equality, key order ignored. */
function sameValues(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  const at = (o: object, k: string): unknown => (o as Record<string, unknown>)[k];
  return ka.length === kb.length && ka.every((k) => sameValues(at(a, k), at(b, k)));
}

export type Action = 'no-op' | 'create' | 'update' | 'delete';

export interface ResourceChange {
  address: string;
  mode: 'managed';
  type: string;
  name: string;
  provider_name: string;
  change: {
    actions: Action[];
    before: Record<string, unknown> | null;
    after: Record<string, unknown> | null;
    after_unknown: Record<string, unknown>;
    before_sensitive: Record<string, unknown> | false;
    after_sensitive: Record<string, unknown> | false;
  };
}

/** A planned change with what the stand-in needs to apply it in order. */
export interface PlannedChange extends ResourceChange {
  dependsOn: string[];
}

/** A release's `values` list (YAML documents), merged in order as the helm provider does. */
export function mergedValues(list: unknown): Values {
  const out: Values = {};
  for (const text of Array.isArray(list) ? list : []) {
    const parsed: unknown = typeof text === 'string' ? parseYaml(text) : text;
    if (parsed !== null && parsed !== undefined && !isValues(parsed))
      throw new TerraformError('Invalid values', 'each item of a helm_release\'s "values" must be a YAML mapping');
    if (isValues(parsed)) mergeValues(out, parsed);
  }
  return out;
}

function desiredAttributes(r: ResourceConfig): Record<string, unknown> {
  const a = r.attributes;
  if (r.type === 'terraform_data')
    return { id: null, input: a.input ?? null, output: a.input ?? null, triggers_replace: null };
  for (const field of ['name', 'chart'] as const)
    if (typeof a[field] !== 'string' || a[field] === '')
      throw new TerraformError(
        'Missing required argument',
        `${r.address}: The argument "${field}" is required, but no definition was found.`,
      );
  return {
    id: a.name,
    name: a.name,
    namespace: typeof a.namespace === 'string' ? a.namespace : 'default',
    chart: a.chart,
    repository: typeof a.repository === 'string' ? a.repository : null,
    version: typeof a.version === 'string' ? a.version : null,
    values: Array.isArray(a.values) ? a.values : [],
    wait: a.wait !== false,
    timeout: typeof a.timeout === 'number' ? a.timeout : 300,
    status: 'deployed',
  };
}

/** The state's Helm releases as the cluster has them now; gone from the cluster, gone from the prior state. */
async function refreshed(kube: () => Kube, state: State): Promise<Map<string, Record<string, unknown>>> {
  const prior = new Map<string, Record<string, unknown>>();
  for (const resource of state.resources) {
    const attributes = resource.instances[0]?.attributes;
    if (attributes === undefined) continue;
    const address = `${resource.type}.${resource.name}`;
    if (resource.type !== 'helm_release') {
      prior.set(address, attributes);
      continue;
    }
    const { current } = await findRelease(kube(), String(attributes.namespace), String(attributes.name));
    if (current === undefined || current.status === 'uninstalled') continue;
    prior.set(address, { ...attributes, version: current.version, status: current.status, liveValues: current.values });
  }
  return prior;
}

function differs(before: Record<string, unknown>, after: Record<string, unknown>, type: string): boolean {
  if (type === 'terraform_data') return !sameValues(before.input, after.input);
  return (
    ['name', 'namespace', 'chart', 'repository', 'version', 'status'].some(
      (k) => !sameValues(before[k] ?? null, after[k] ?? null),
    ) || !sameValues(before.liveValues ?? mergedValues(before.values), mergedValues(after.values))
  );
}

const forcesNew = (before: Record<string, unknown>, after: Record<string, unknown>, type: string): boolean =>
  type === 'helm_release' && (before.name !== after.name || before.namespace !== after.namespace);

const shown = (attributes: Record<string, unknown> | null): Record<string, unknown> | null => {
  if (attributes === null) return null;
  const { liveValues: _live, ...rest } = attributes;
  return rest;
};

export async function planChanges(config: Configuration, state: State, kube: () => Kube): Promise<PlannedChange[]> {
  const prior = await refreshed(kube, state);
  const changes: PlannedChange[] = [];
  const change = (
    address: string,
    type: string,
    name: string,
    actions: Action[],
    before: Record<string, unknown> | null,
    after: Record<string, unknown> | null,
    dependsOn: string[],
  ): PlannedChange => ({
    address,
    mode: 'managed',
    type,
    name,
    provider_name: (PROVIDERS[type] ?? '').replace(/^provider\["|"\]$/g, ''),
    change: {
      actions,
      before: shown(before),
      after: shown(after),
      after_unknown: after === null ? {} : type === 'helm_release' ? { metadata: true } : { id: true },
      before_sensitive: before === null ? false : {},
      after_sensitive: after === null ? false : {},
    },
    dependsOn,
  });
  for (const r of config.resources) {
    const after = desiredAttributes(r);
    const before = prior.get(r.address) ?? null;
    const actions: Action[] =
      before === null
        ? ['create']
        : forcesNew(before, after, r.type)
          ? ['delete', 'create']
          : differs(before, after, r.type)
            ? ['update']
            : ['no-op'];
    changes.push(
      change(r.address, r.type, r.name, actions, before, actions[0] === 'no-op' ? before : after, r.dependsOn),
    );
  }
  const configured = new Set(config.resources.map((r) => r.address));
  for (const [address, before] of prior) {
    if (configured.has(address)) continue;
    const [type = '', name = ''] = address.split('.');
    changes.push(change(address, type, name, ['delete'], before, null, []));
  }
  return changes;
}

/** A resource's `id` as Terraform prints it (`[id=istiod]`), else its name. */
export function idOf(attributes: Record<string, unknown> | null, fallback: string): string {
  const id = attributes?.id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : fallback;
}

/** `Plan: 1 to add, 2 to change, 0 to destroy.` */
export function planCounts(changes: readonly ResourceChange[]): { add: number; change: number; destroy: number } {
  let add = 0;
  let changed = 0;
  let destroy = 0;
  for (const { change } of changes) {
    if (change.actions.includes('create')) add++;
    if (change.actions.includes('delete')) destroy++;
    if (change.actions.includes('update')) changed++;
  }
  return { add, change: changed, destroy };
}
