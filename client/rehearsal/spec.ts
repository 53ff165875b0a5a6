/**
 * The rehearsal's copy of an upgrade spec. The operator's spec is validated as written; the
 * copy differs only where a rehearsal must, and every difference is listed for the printout:
 *
 * - the rehearsal approver is added to the approvers, so gates can be answered unattended and
 *   the audit trail says who did (never one of the real approvers);
 * - soaks and grace periods run on the simulator's clock (real length / time scale, at least one
 *   second), while the printout and the estimate use their real length;
 * - the cluster context is the simulator's;
 * - HTTP and command tests are left out: they run from this machine against real endpoints, and a
 *   rehearsal must not reach production services. Job tests run inside the simulator and stay;
 * - Slack notifications are left out: a rehearsal does not post to the team's channel.
 */
import type { Spec, SpecInput } from '../../core/spec/schema.js';
import { formatDuration } from '../../core/spec/duration.js';

export const REHEARSAL_APPROVER = 'rehearsal';

export interface Soak {
  /** The spec's timer field. */
  timer: 'soakAfterControlPlane' | 'graceBeforeRevisionRemoval';
  realSeconds: number;
  rehearsedSeconds: number;
}

/** Which spec timer a soak step stands for: grace steps are `grace:<revision>`, soaks `soak:…`. */
export const soakTimerOf = (step: { id: string }): Soak['timer'] =>
  step.id.startsWith('grace:') ? 'graceBeforeRevisionRemoval' : 'soakAfterControlPlane';

export interface RehearsalSpec {
  /** The spec the workflow receives (durations as text, as `start` sends them). */
  input: SpecInput;
  soaks: Soak[];
  /** One sentence per difference from the operator's spec. */
  changes: string[];
}

export function rehearsalSpec(
  raw: Record<string, unknown>,
  spec: Spec,
  options: { timeScale: number; context: string },
): RehearsalSpec {
  const changes: string[] = [];
  const approvers = spec.approvals.approvers.includes(REHEARSAL_APPROVER)
    ? spec.approvals.approvers
    : [...spec.approvals.approvers, REHEARSAL_APPROVER];
  if (approvers !== spec.approvals.approvers)
    changes.push(`approver "${REHEARSAL_APPROVER}" added: gates are answered unattended and recorded as a rehearsal`);

  const soaks: Soak[] = (['soakAfterControlPlane', 'graceBeforeRevisionRemoval'] as const).map((timer) => {
    const realSeconds = spec.timers[timer];
    return {
      timer,
      realSeconds,
      rehearsedSeconds: realSeconds === 0 ? 0 : Math.max(1, Math.ceil(realSeconds / options.timeScale)),
    };
  });
  for (const soak of soaks) {
    if (soak.realSeconds !== soak.rehearsedSeconds)
      changes.push(
        `timers.${soak.timer} ${formatDuration(soak.realSeconds)} runs as ${formatDuration(soak.rehearsedSeconds)} on the simulator's clock (time scale ${options.timeScale})`,
      );
  }

  const tests: Record<string, unknown> = {};
  const rawTests = (typeof raw.tests === 'object' && raw.tests !== null ? raw.tests : {}) as Record<string, unknown>;
  for (const [key, test] of Object.entries(spec.tests)) {
    if (test.job !== undefined) tests[key] = rawTests[key];
    else
      changes.push(
        `test ${key} (${test.http ? 'http' : 'command'}) left out: it would reach real endpoints from this machine; job tests run in the simulator`,
      );
  }
  if (spec.notifications.slack)
    changes.push(
      `Slack notifications to ${spec.notifications.slack.channel} left out: a rehearsal does not post to the team's channel`,
    );
  if (spec.cluster.context !== undefined && spec.cluster.context !== options.context)
    changes.push(`cluster.context ${spec.cluster.context} replaced by the simulator's (${options.context})`);

  const rawCluster = (typeof raw.cluster === 'object' && raw.cluster !== null ? raw.cluster : {}) as Record<
    string,
    unknown
  >;
  const rawApprovals = (typeof raw.approvals === 'object' && raw.approvals !== null ? raw.approvals : {}) as Record<
    string,
    unknown
  >;
  const { notifications: _notifications, tests: _tests, ...rest } = raw;
  const input = {
    ...rest,
    cluster: { ...rawCluster, context: options.context },
    ...(Object.keys(tests).length > 0 && { tests }),
    timers: Object.fromEntries(soaks.map((soak) => [soak.timer, `${soak.rehearsedSeconds}s`])),
    approvals: { ...rawApprovals, approvers },
  } as SpecInput;
  return { input, soaks, changes };
}

/**
 * The exact istioctl releases a rehearsal's stand-ins must offer: the target and every patch the
 * spec names for an intermediate minor. Other hops take the newest known patch, which the
 * per-minor stand-ins already claim.
 */
export function rehearsalPatches(spec: Spec): string[] {
  const strip = (version: string) => version.replace(/^v/, '');
  return [...new Set([spec.version.target, ...Object.values(spec.version.intermediate)].map(strip))];
}
