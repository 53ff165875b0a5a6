/** Exit codes scripts can rely on. */
export const EXIT = {
  /** Done, or the plan is clean or only warns. */
  ok: 0,
  /** Something unexpected failed (the server is unreachable, a workflow failed). */
  failure: 1,
  /** The spec or the arguments are invalid; the message names the field. */
  invalidInput: 2,
  /** A precheck with severity `block` fired. */
  precheckBlocks: 3,
} as const;
