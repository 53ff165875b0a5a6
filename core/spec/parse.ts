import type { z } from 'zod';
import { specSchema } from './schema.js';
import type { Spec } from './schema.js';

/** One thing wrong with a spec: where (`gates.approvalTimeout`, `tests["bookinfo"].http.url`) and what was expected. */
export interface SpecProblem {
  path: string;
  message: string;
}

export type SpecResult = { ok: true; spec: Spec } | { ok: false; problems: SpecProblem[] };

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else if (typeof key === 'string' && IDENTIFIER.test(key)) text += text === '' ? key : `.${key}`;
    else text += `[${JSON.stringify(String(key))}]`;
  }
  return text === '' ? '(spec)' : text;
}

function problemsOf(issues: readonly z.core.$ZodIssue[]): SpecProblem[] {
  return issues.flatMap((issue) => {
    // One problem per unknown key, so the message names the misspelt field itself.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: 'unknown field' }));
    }
    // A record key that fails its own check: say what the key should look like, not just that it is invalid.
    if (issue.code === 'invalid_key') {
      return [{ path: formatPath(issue.path), message: issue.issues[0]?.message ?? issue.message }];
    }
    if (issue.code === 'invalid_type' && issue.input === undefined) {
      return [{ path: formatPath(issue.path), message: `required, missing (expected ${issue.expected})` }];
    }
    return [{ path: formatPath(issue.path), message: issue.message }];
  });
}

/**
 * Validates a spec already parsed from YAML or JSON (the client parses the text: core has no
 * YAML parser). Returns every problem at once, each naming its field.
 */
export function parseSpec(input: unknown): SpecResult {
  // Without reportInput zod leaves `input` out of its issues, and a wrong type (`concurrency: "five"`) would read as missing.
  const result = specSchema.safeParse(input, { reportInput: true });
  return result.success ? { ok: true, spec: result.data } : { ok: false, problems: problemsOf(result.error.issues) };
}

export function formatProblems(problems: readonly SpecProblem[]): string {
  return problems.map((problem) => `${problem.path}: ${problem.message}`).join('\n');
}
