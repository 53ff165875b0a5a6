/**
 * The permissions precheck of `plan`: the plan's steps become the API permissions they need
 * (core/permissions), the cluster answers for each one with a SelfSubjectAccessReview, and
 * every refusal is a blocking finding. An operator learns at plan time, not halfway through an
 * upgrade, that these credentials cannot finish it.
 */
import { createAccessReviewActivities, type AccessReviewResult } from '../../activities/kubernetes/access-review.js';
import { createKubeClients } from '../../activities/kubernetes/clients.js';
import { deniedPermissions, missingPermissionFindings } from '../../core/permissions/findings.js';
import type { ApiPermission } from '../../core/permissions/permission.js';
import { planPermissions } from '../../core/permissions/steps.js';
import type { Plan } from '../../core/plan/steps.js';
import type { InventorySource } from '../cluster.js';
import { loadKubeConfig } from '../kubeconfig.js';

export interface AccessAnswers {
  /** The kubeconfig user the answers are for, to name in the findings. */
  user: string | null;
  results: AccessReviewResult[];
}

export type ReviewPlanAccess = (source: InventorySource, permissions: ApiPermission[]) => Promise<AccessAnswers>;

/** Same kubeconfig and context as the inventory read, so the answers are about the same identity. */
export const reviewClusterAccess: ReviewPlanAccess = async (source, permissions) => {
  const kubeConfig = await loadKubeConfig(source);
  const results = await createAccessReviewActivities(createKubeClients(kubeConfig)).reviewAccess({ permissions });
  return { user: kubeConfig.getCurrentUser()?.name ?? null, results };
};

/** The plan with a blocking finding for each permission the cluster refuses; unchanged without a reviewer. */
export async function withPermissionFindings(
  plan: Plan,
  review: ReviewPlanAccess | undefined,
  source: InventorySource,
): Promise<Plan> {
  if (review === undefined) return plan;
  const required = planPermissions(plan, source.controlPlaneNamespace);
  const answers = await review(
    source,
    required.map((r) => r.permission),
  );
  const denied = deniedPermissions(required, answers.results);
  return denied.length === 0
    ? plan
    : { ...plan, findings: [...plan.findings, ...missingPermissionFindings(denied, answers.user)] };
}
