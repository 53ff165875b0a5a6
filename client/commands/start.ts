/**
 * `start -f spec.yaml`: validate, plan against the cluster (read-only), refuse when a precheck
 * blocks (unless the operator overrides it by id, which the workflow records), then start the
 * upgrade under the cluster's workflow id, so a second upgrade of the same cluster is refused by
 * Temporal itself, naming the one that runs.
 */
import { readFile } from 'node:fs/promises';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { parse as parseYaml } from 'yaml';
import { planUpgrade } from '../../core/plan/upgrade.js';
import { PlanError } from '../../core/plan/errors.js';
import { formatProblems } from '../../core/spec/parse.js';
import type { SpecInput } from '../../core/spec/schema.js';
import type { Plan } from '../../core/plan/steps.js';
import { UPGRADE_WORKFLOW, upgradeWorkflowId } from '../../workflows/messages.js';
import type { UpgradeInput } from '../../workflows/messages.js';
import {
  dataPlaneModeKey,
  istioInstallerKey,
  istioSourceVersionKey,
  istioTargetVersionKey,
  meshClusterKey,
  upgradePhaseKey,
  upgradeStrategyKey,
} from '../../workflows/search-attributes.js';
import { readInventory } from '../cluster.js';
import { invalidInput, usage } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { operatorName } from '../identity.js';
import { CLI } from '../render/commands.js';
import { renderPlan } from '../render/plan.js';
import { loadSpec } from '../spec-file.js';
import { gitopsSettingsProblems } from '../../activities/git/operator-check.js';
import { terraformSettingsProblems } from '../../activities/terraform/operator-check.js';
import { webUiLink, withTemporal } from '../temporal.js';
import { watchUpgrade } from './watch.js';

export interface StartOptions {
  file: string;
  kubeconfig?: string;
  context?: string;
  as?: string;
  overridePrecheck?: string[];
  watch?: boolean;
  json?: boolean;
}

export async function runStart(options: StartOptions): Promise<number> {
  const initiator = operatorName(options.as);
  const spec = await loadSpec(options.file);
  const owner = [...(await gitopsSettingsProblems(spec)), ...terraformSettingsProblems(spec)];
  if (owner.length > 0)
    throw invalidInput(owner, { heading: `the ${spec.install.owner ?? 'helm'} owner cannot be used` });
  const context = options.context ?? spec.cluster.context;
  if (context !== undefined) spec.cluster.context = context;
  const inventory = await readInventory(
    { ...(options.kubeconfig && { kubeconfig: options.kubeconfig }), ...(context && { context }) },
    spec.install.namespace,
  );

  let plan;
  try {
    plan = planUpgrade(spec, inventory);
  } catch (err) {
    if (err instanceof PlanError)
      throw usage(
        `the spec cannot be planned on this cluster:\n${formatProblems(err.problems).replace(/^/gm, '  ')}`,
        err,
      );
    throw err;
  }
  const overrides = options.overridePrecheck ?? [];
  const fired = new Set(plan.findings.filter((f) => f.severity === 'block').map((f) => f.check));
  const stray = overrides.filter((id) => !fired.has(id));
  if (stray.length > 0) {
    throw usage(
      `--override-precheck: ${stray.join(', ')} did not block this plan (blocking: ${fired.size ? [...fired].join(', ') : 'none'}); override only what fired`,
    );
  }
  const blocking = [...fired].filter((id) => !overrides.includes(id));
  if (!options.json) console.log(renderPlan(plan));
  if (blocking.length > 0) {
    console.error(
      `refused: precheck ${blocking.join(', ')} blocks this upgrade; fix it, or start with ${blocking.map((id) => `--override-precheck ${id}`).join(' ')} (recorded in the workflow)`,
    );
    return EXIT.precheckBlocks;
  }

  // The workflow receives the spec as written (durations as text) and validates it again itself.
  const raw = parseYaml(await readFile(options.file, 'utf8')) as Record<string, unknown>;
  const rawCluster =
    typeof raw.cluster === 'object' && raw.cluster !== null ? (raw.cluster as Record<string, unknown>) : {};
  const input: UpgradeInput = {
    spec: { ...raw, cluster: { ...rawCluster, ...(context && { context }) } } as SpecInput,
    initiator,
    ...(overrides.length > 0 && { overridePrechecks: overrides }),
  };
  // The same fallback as the plan's own: the spec's name, its context, the kubeconfig's context.
  const cluster = plan.cluster ?? inventory.context ?? 'default';
  const workflowId = upgradeWorkflowId(cluster);

  return withTemporal(initiator, async (session) => {
    try {
      await session.client.workflow.start(UPGRADE_WORKFLOW, {
        taskQueue: session.target.taskQueue,
        workflowId,
        args: [input],
        // What the Web UI shows at the top of the upgrade's page, fixed for its whole life.
        staticSummary: `Istio ${plan.source} → ${plan.target} on ${cluster} (${plan.strategy}, ${plan.method}, ${plan.mode}), started by ${initiator}`,
        staticDetails: startDetails(plan, initiator, overrides),
        // Set at start so `list --cluster` finds the upgrade before its first step runs.
        typedSearchAttributes: new TypedSearchAttributes([
          { key: meshClusterKey, value: cluster },
          { key: upgradePhaseKey, value: 'planning' },
          { key: istioSourceVersionKey, value: plan.source },
          { key: istioTargetVersionKey, value: plan.target },
          { key: upgradeStrategyKey, value: plan.strategy },
          { key: istioInstallerKey, value: plan.method },
          { key: dataPlaneModeKey, value: plan.mode },
        ]),
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        throw usage(
          `cluster ${cluster} already has an upgrade running: ${workflowId}; see it with \`${CLI} status ${workflowId}\``,
          err,
        );
      }
      throw err;
    }
    const link = webUiLink(session, workflowId);
    if (options.json) {
      console.log(
        JSON.stringify(
          { workflowId, cluster, initiator, source: plan.source, target: plan.target, webUi: link },
          null,
          2,
        ),
      );
    } else {
      console.log(
        `\nStarted ${workflowId}: Istio ${plan.source} -> ${plan.target} on ${cluster}, initiated by ${initiator}`,
      );
      console.log(`  Web UI: ${link}`);
      console.log(`  next:   ${CLI} watch ${workflowId}`);
    }
    return options.watch ? watchUpgrade(session, workflowId, { follow: false, interval: 1 }) : EXIT.ok;
  });
}

/** The upgrade's fixed details for the Web UI: who started what, with which overrides, in Temporal markdown. */
function startDetails(plan: Plan, initiator: string, overrides: readonly string[]): string {
  const gates = plan.steps.filter((step) => step.kind === 'gate').length;
  const restarts = plan.steps.filter((step) => step.kind === 'restart-workload').length;
  return [
    `**Istio ${plan.source} → ${plan.target}** on \`${plan.cluster ?? 'default'}\`: ${plan.strategy} by ${plan.method}, ${plan.mode} mode`,
    `- started by **${initiator}**; ${plan.steps.length} steps, ${gates} approval gates, ${restarts} workload restarts`,
    ...(plan.revisions ? [`- revision ${plan.revisions.from} → ${plan.revisions.to}`] : []),
    `- prechecks overridden: ${overrides.length > 0 ? overrides.join(', ') : 'none'}`,
    '- live progress: Current Details below; every step, approver and wait: Event History',
  ].join('\n');
}
