/**
 * A permission the cluster refused, as a precheck finding: blocking, because the upgrade would
 * stop with a Forbidden at the step that needs it, possibly after the control plane moved.
 */
import type { Finding } from '../prechecks/finding.js';
import { canIArgs, describePermission, grantingRule, qualifiedResource } from './permission.js';
import { permissionKey, type ApiPermission } from './permission.js';
import type { RequiredPermission } from './steps.js';

export const MISSING_PERMISSION_CHECK = 'missing-permission';

/** `who` names the identity in the message: a kubeconfig user (quoted), or a description such as "the worker's credentials". */
export function missingPermissionFindings(
  denied: readonly RequiredPermission[],
  identity: string | null,
  who = identity === null ? 'these credentials' : `"${identity}"`,
): Finding[] {
  return denied.map(({ permission: p, steps }) => ({
    check: MISSING_PERMISSION_CHECK,
    severity: 'block',
    message: `${who} may not ${describePermission(p)}: verb ${p.verb}, resource ${qualifiedResource(p)}, namespace ${p.namespace ?? '(all / cluster-scoped)'}; needed by ${steps.join(', ')}.`,
    evidence: [`kubectl ${canIArgs(p).join(' ')} -> no`, ...steps.map((s) => `step ${s}`)],
    remedy: `Grant it with a ${grantingRule(p)} for the identity the worker runs as (deploy/kubernetes/ has the full set), then plan again.`,
  }));
}

/** The required permissions the cluster's answers refuse: what `plan` and the workflow turn into findings. */
export function deniedPermissions(
  required: readonly RequiredPermission[],
  answers: readonly { permission: ApiPermission; allowed: boolean }[],
): RequiredPermission[] {
  const refused = new Set(
    answers.filter((answer) => !answer.allowed).map((answer) => permissionKey(answer.permission)),
  );
  return required.filter((r) => refused.has(permissionKey(r.permission)));
}
