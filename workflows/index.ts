/**
 * Every workflow the worker runs. The upgrade paths (in-place, revision-based canary, ambient,
 * rollback) are added here one file each; the gate and status machinery they share lives beside
 * them in gates.ts and status.ts.
 */
export {};
