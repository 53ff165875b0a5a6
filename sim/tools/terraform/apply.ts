/**
 * Applying a saved plan: refused as stale when the state moved since the plan; otherwise each
 * Helm release is deleted, installed or upgraded in dependency order with the helm stand-in's own
 * commands (so releases land exactly where `helm list` finds them, waiting for the rollout as the
 * provider's `wait` does), and the state is written with the next serial.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Flags, parseFlags } from '../cli/flags.js';
import { ToolError } from '../cli/tool-error.js';
import type { HelmCommand, HelmContext } from '../helm/command.js';
import { uninstallCommand } from '../helm/commands/uninstall.js';
import { upgradeCommand } from '../helm/commands/upgrade.js';
import { findRelease } from '../helm/releases.js';
import { connect, type Kube } from '../kube/connect.js';
import { idOf, mergedValues, planCounts, type PlannedChange } from './changes.js';
import { dependencyOrder } from './configuration.js';
import { TerraformError } from './errors.js';
import type { SavedPlan } from './plan-file.js';
import { PROVIDERS, readState, writeState, type ResourceState, type State } from './state.js';

/** Runs a helm stand-in command quietly: Terraform prints its own progress lines, not helm's. */
async function helmQuietly(command: HelmCommand, kube: Kube, namespace: string, args: string[]): Promise<void> {
  const ctx: HelmContext = { kube: () => kube, namespace: () => namespace };
  const flags = new Flags(parseFlags(args, command.flags));
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = () => true;
  try {
    await command.run(ctx, flags);
  } catch (err) {
    if (err instanceof ToolError) throw new TerraformError(`helm_release: ${err.message}`);
    throw err;
  } finally {
    process.stdout.write = write;
  }
}

async function applyRelease(kube: Kube, after: Record<string, unknown>): Promise<Record<string, unknown>> {
  const name = String(after.name);
  const namespace = String(after.namespace);
  const dir = mkdtempSync(join(tmpdir(), 'tf-stand-in-values-'));
  try {
    const file = join(dir, 'values.json');
    writeFileSync(file, JSON.stringify(mergedValues(after.values)), { mode: 0o600 });
    const args = [name, String(after.chart), '--install', '--values', file, '--description', 'Terraform'];
    if (typeof after.version === 'string') args.push('--version', after.version);
    if (after.wait !== false)
      args.push('--wait', '--timeout', `${typeof after.timeout === 'number' ? after.timeout : 300}s`);
    await helmQuietly(upgradeCommand, kube, namespace, args);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const { current } = await findRelease(kube, namespace, name);
  return {
    ...after,
    status: current?.status ?? 'deployed',
    metadata: [
      {
        name,
        namespace,
        revision: current?.revision ?? 1,
        chart: current?.chart ?? after.chart,
        version: current?.version ?? after.version,
      },
    ],
  };
}

async function deleteRelease(kube: Kube, before: Record<string, unknown>): Promise<void> {
  const namespace = String(before.namespace);
  const { current } = await findRelease(kube, namespace, String(before.name));
  if (current !== undefined) await helmQuietly(uninstallCommand, kube, namespace, [String(before.name)]);
}

function verb(change: PlannedChange): [string, string] {
  const [first] = change.change.actions;
  if (first === 'create') return ['Creating...', 'Creation complete'];
  if (first === 'delete') return ['Destroying...', 'Destruction complete'];
  return ['Modifying...', 'Modifications complete'];
}

export async function applyPlan(dir: string, plan: SavedPlan): Promise<string> {
  const state: State = readState(dir);
  if (state.lineage !== plan.lineage || state.serial !== plan.serial)
    throw new TerraformError(
      'Saved plan is stale',
      'The given plan file can no longer be applied because the state was changed by another operation after the plan was created.',
    );
  let kube: Kube | undefined;
  const cluster = () => (kube ??= connect({ kubeconfig: plan.kube.configPath, context: plan.kube.configContext }));
  const acting = plan.changes.filter((c) => !c.change.actions.includes('no-op'));
  const resources = new Map<string, ResourceState>(state.resources.map((r) => [`${r.type}.${r.name}`, r]));
  const lines: string[] = [];
  const record = (c: PlannedChange, attributes: Record<string, unknown> | null): void => {
    if (attributes === null) resources.delete(c.address);
    else
      resources.set(c.address, {
        mode: 'managed',
        type: c.type,
        name: c.name,
        provider: PROVIDERS[c.type] ?? '',
        instances: [{ schema_version: c.type === 'helm_release' ? 1 : 0, attributes }],
      });
  };
  const save = () => writeState(dir, { ...state, serial: state.serial + 1, resources: [...resources.values()] });
  try {
    // Destroys first, dependents before what they depend on; then creates and updates in dependency order.
    for (const c of dependencyOrder(acting.filter((c) => c.change.actions.includes('delete'))).reverse()) {
      const [start, done] = verb(c);
      lines.push(`${c.address}: ${start}`);
      if (c.type === 'helm_release' && c.change.before !== null) await deleteRelease(cluster(), c.change.before);
      record(c, null);
      lines.push(`${c.address}: ${done}`);
    }
    for (const c of dependencyOrder(acting.filter((c) => c.change.after !== null))) {
      const [start, done] = verb(c);
      lines.push(
        `${c.address}: ${start}${c.change.actions[0] === 'create' ? '' : ` [id=${idOf(c.change.before, c.name)}]`}`,
      );
      const after = c.change.after ?? {};
      const attributes =
        c.type === 'helm_release'
          ? await applyRelease(cluster(), after)
          : { ...after, id: after.id ?? c.name, output: after.input };
      record(c, attributes);
      lines.push(`${c.address}: ${done} [id=${idOf(attributes, c.name)}]`);
    }
  } finally {
    // What was applied stays recorded even when a later resource failed, as Terraform persists partial applies.
    if (acting.length > 0) save();
  }
  const counts = planCounts(acting);
  lines.push(
    '',
    `Apply complete! Resources: ${counts.add} added, ${counts.change} changed, ${counts.destroy} destroyed.`,
    '',
  );
  return lines.join('\n');
}
