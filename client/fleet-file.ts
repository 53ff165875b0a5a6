/**
 * Reading a fleet spec file (`fleet plan|start -f fleet.yaml`), as spec-file.ts reads an upgrade
 * spec: a file that cannot be read names the flag, a YAML error its line, a schema error its field,
 * and every cluster's merged upgrade spec is validated under that cluster's name. All exit 2.
 */
import { readFile } from 'node:fs/promises';
import { parseFleet } from '../core/fleet/spec.js';
import type { FleetSpec, FleetSpecInput } from '../core/fleet/spec.js';
import type { SpecProblem } from '../core/spec/parse.js';
import type { Spec } from '../core/spec/schema.js';
import { invalidInput } from './errors.js';
import { readYamlFile } from './spec-file.js';

const invalidFleet = (problems: readonly SpecProblem[], cause?: unknown) =>
  invalidInput(problems, { heading: 'invalid fleet spec', cause });

export interface LoadedFleet {
  /** As written (YAML parsed to JSON): what the workflow receives and validates again. */
  raw: FleetSpecInput;
  fleet: FleetSpec;
  /** Each cluster's upgrade spec, validated. */
  specs: Record<string, Spec>;
}

export async function loadFleet(
  path: string,
  readText: (path: string) => Promise<string> = (p) => readFile(p, 'utf8'),
): Promise<LoadedFleet> {
  const data = await readYamlFile(path, readText, invalidFleet);
  const result = parseFleet(data);
  if (!result.ok) throw invalidFleet(result.problems);
  return { raw: data as FleetSpecInput, fleet: result.fleet, specs: result.specs };
}
