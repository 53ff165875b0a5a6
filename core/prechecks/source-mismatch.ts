/**
 * Catches a `version.source` that differs from the version istiod runs: the plan's hops and
 * checks were chosen from the declared version, so it is refused rather than run.
 */
import type { Precheck } from './precheck.js';

/**
 * `version.source` (the CLI's --from-version) says what the operator believes runs. When the
 * cluster runs something else, every step was planned from a wrong belief: refuse, naming both.
 */
export const sourceMismatch: Precheck = {
  id: 'source-mismatch',
  title: 'version.source differs from the version the control plane runs',
  run(input) {
    const { sourceMismatch: mismatch, oldRevision } = input.context;
    if (mismatch === null) return [];
    return [
      {
        check: 'source-mismatch',
        severity: 'block',
        message: `version.source says ${mismatch.declared} but the control plane runs ${mismatch.running}`,
        evidence: [`istiod revision ${oldRevision}: ${mismatch.running}`],
        remedy: `Set version.source to ${mismatch.running} (or leave it out to detect it), after checking that ${mismatch.running} is what you meant to upgrade from`,
      },
    ];
  },
};
