/**
 * The worker's own tools against what a plan will run, before the plan's first write: the same
 * check `plan` makes with the operator's tools, asked of the machine that really runs them. An
 * upgrade checks its rollback's tools too, and a standalone rollback its own: a rollback that
 * fails half-way for want of the source version's istioctl leaves the mesh between versions.
 */
import type { PlanTools } from '../core/plan/tools.js';
import type { Finding } from '../core/prechecks/finding.js';
import { toolFindings } from '../core/prechecks/tool-versions.js';
import { cluster } from './activities.js';

/** Histories recorded before rollbacks' tools were checked replay without that check. */
export const ROLLBACK_TOOLS_CHECK = 'rollback-tools-check';

/** A blocking finding for each istioctl or chart version in `needs` the worker lacks or that reports another release. */
export async function workerToolFindings(needs: PlanTools): Promise<Finding[]> {
  if (needs.istioctl.length === 0 && needs.charts.length === 0) return [];
  const check = await cluster("check the worker's istioctl and chart versions").checkTools({ needs });
  return toolFindings(check, { missingBlocks: true, needs });
}
