/** Exit codes scripts can rely on; `istio-upgrade --help` and the README list them. */
export const EXIT = {
  /** Done: the command did what it said, the plan is clean or only warns, the upgrade completed. */
  ok: 0,
  /** The upgrade failed, was rolled back or ended partial (something reverted), or something outside the input failed (Temporal or the cluster unreachable). */
  failure: 1,
  /** Usage or validation error: the spec, an argument, an unknown id, a refused answer or control; the message names it. */
  invalidInput: 2,
  /** A precheck with severity `block` fired, or a human rejected a gate. */
  precheckBlocks: 3,
} as const;

export const EXIT_CODES_HELP = `Exit codes:
  0  success (an upgrade that completed, a plan that is clean or only warns)
  1  the upgrade failed, was rolled back or ended partial; Temporal or the cluster could not be reached
  2  usage or validation error (spec field, argument, unknown id, refused answer or control)
  3  blocked by a precheck, or rejected at a gate`;
