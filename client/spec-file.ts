/**
 * Reading an upgrade spec file (`-f`) for `plan`, `start` and `rehearse`. Whatever is wrong with it
 * is the operator's to fix, so it is a usage error (exit 2) naming where: the flag when the file
 * cannot be read, the line and column for a YAML syntax error, the field for a schema error.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { parseSpec } from '../core/spec/parse.js';
import type { SpecProblem } from '../core/spec/parse.js';
import type { Spec } from '../core/spec/schema.js';
import { invalidInput, messageOf } from './errors.js';

const invalidSpec = (problems: readonly SpecProblem[], cause?: unknown) =>
  invalidInput(problems, { heading: 'invalid spec', cause });

/**
 * The YAML of a file named by `-f`, parsed: a file that cannot be read names the flag, a syntax
 * error its line and column; `invalid` turns those into the caller's usage error.
 */
export async function readYamlFile(
  path: string,
  readText: (path: string) => Promise<string>,
  invalid: (problems: readonly SpecProblem[], cause?: unknown) => Error,
): Promise<unknown> {
  let text: string;
  try {
    text = await readText(path);
  } catch (err) {
    throw invalid([{ path: '-f', message: `cannot read ${path}: ${messageOf(err)}` }], err);
  }
  try {
    return parseYaml(text);
  } catch (err) {
    if (err instanceof YAMLParseError) {
      const where = err.linePos?.[0];
      throw invalid(
        [
          {
            path: where ? `${path}:${where.line}:${where.col}` : path,
            message: err.message.split('\n')[0] ?? 'invalid YAML',
          },
        ],
        err,
      );
    }
    throw err;
  }
}

/** Reads and validates a spec file; YAML syntax errors name the line, schema errors the field. */
export async function loadSpec(
  path: string,
  readText: (path: string) => Promise<string> = (p) => readFile(p, 'utf8'),
): Promise<Spec> {
  const result = parseSpec(await readYamlFile(path, readText, invalidSpec));
  if (!result.ok) throw invalidSpec(result.problems);
  return result.spec;
}
