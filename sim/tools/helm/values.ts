/**
 * Chart values as helm assembles them: `-f` files merged in order, then `--set` (with helm's
 * type guessing: true/false, null, integers) and `--set-string` (always text) on top. Paths are
 * dotted; `name={a,b}` sets a list and `name[0]=x` one list item.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ToolError } from '../cli/tool-error.js';

export type Values = Record<string, unknown>;

export const isValues = (v: unknown): v is Values => typeof v === 'object' && v !== null && !Array.isArray(v);

export function mergeValues(into: Values, from: Values): Values {
  for (const [k, v] of Object.entries(from))
    into[k] = isValues(v) && isValues(into[k]) ? mergeValues({ ...into[k] }, v) : v;
  return into;
}

function guess(raw: string): unknown {
  if (raw === 'true' || raw === 'false') return raw === 'true';
  if (raw === 'null') return null;
  if (/^-?(0|[1-9]\d*)$/.test(raw) && Number.isSafeInteger(Number(raw))) return Number(raw);
  return raw;
}

function assign(values: Values, assignment: string, typed: boolean): void {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new ToolError(`failed parsing --set data: key "${assignment}" has no value`);
  const raw = assignment.slice(eq + 1);
  const value =
    typed && /^\{.*\}$/.test(raw)
      ? raw
          .slice(1, -1)
          .split(',')
          .filter((s) => s !== '')
          .map(guess)
      : typed
        ? guess(raw)
        : raw;
  const keys = assignment.slice(0, eq).split('.');
  let node: Values = values;
  keys.forEach((key, i) => {
    const last = i === keys.length - 1;
    const indexed = /^(.+)\[(\d+)\]$/.exec(key);
    if (indexed) {
      const list = Array.isArray(node[indexed[1] ?? '']) ? (node[indexed[1] ?? ''] as unknown[]) : [];
      node[indexed[1] ?? ''] = list;
      const idx = Number(indexed[2]);
      if (last) list[idx] = value;
      else node = isValues(list[idx]) ? list[idx] : (list[idx] = {});
      return;
    }
    if (last) node[key] = value;
    else node = isValues(node[key]) ? node[key] : (node[key] = {});
  });
}

export function collectValues(input: { files: string[]; sets: string[]; setStrings: string[] }): Values {
  const values: Values = {};
  for (const file of input.files) {
    let doc: unknown;
    try {
      doc = parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ToolError(`failed to parse ${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (doc !== null && doc !== undefined && !isValues(doc))
      throw new ToolError(`failed to parse ${file}: values must be a map`);
    if (isValues(doc)) mergeValues(values, doc);
  }
  for (const s of input.sets) assign(values, s, true);
  for (const s of input.setStrings) assign(values, s, false);
  return values;
}
