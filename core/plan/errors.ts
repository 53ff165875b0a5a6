import type { FailureType } from '../vocabulary.js';
import type { SpecProblem } from '../spec/parse.js';

/**
 * The spec cannot be planned against this cluster: a downgrade outside rollback, a source that
 * does not run, a namespace that does not exist. Each problem names the spec field to change,
 * like a spec validation error, so the CLI reports both the same way (exit 2).
 */
export class PlanError extends Error {
  override readonly name = 'PlanError';
  readonly type: FailureType = 'Validation';

  constructor(readonly problems: SpecProblem[]) {
    super(problems.map((problem) => `${problem.path}: ${problem.message}`).join('\n'));
  }
}

export function refuse(path: string, message: string): never {
  throw new PlanError([{ path, message }]);
}
