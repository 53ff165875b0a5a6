/**
 * Reads and validates a scenario file; every problem is reported with its field path, e.g.
 * `namespaces[0].deployments[1].replicas: expected int, received string`.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { z } from 'zod';
import { scenarioSchema, type Scenario, type ScenarioInput } from './schema.js';

export class ScenarioError extends Error {}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out || '(root)';
}

export function formatIssues(issues: z.core.$ZodIssue[]): string {
  return issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('\n');
}

export function parseScenario(input: unknown, source = 'scenario'): Scenario {
  const result = scenarioSchema.safeParse(input);
  if (!result.success) throw new ScenarioError(`invalid ${source}:\n${formatIssues(result.error.issues)}`);
  return result.data;
}

export function loadScenario(source: string | ScenarioInput | Scenario): Scenario {
  if (typeof source !== 'string') return parseScenario(source);
  let raw: unknown;
  try {
    raw = parse(readFileSync(source, 'utf8'));
  } catch (err) {
    throw new ScenarioError(`cannot read scenario ${source}: ${(err as Error).message}`);
  }
  return parseScenario(raw, `scenario ${source}`);
}
