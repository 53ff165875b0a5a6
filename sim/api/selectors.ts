/**
 * Label and field selectors in the API server's query syntax. Parsing errors become 400s
 * because a typo in a selector must not silently match everything.
 */
import type { KubeObject } from './object.js';
import { readPath } from './object.js';
import { errors } from './status.js';

type Requirement = { op: 'exists' | 'notexists'; key: string } | { op: 'in' | 'notin'; key: string; values: string[] };

export type Selector = (labels: Record<string, string> | undefined) => boolean;

/** Splits on commas that are not inside `in (a,b)` parentheses. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current.trim());
      current = '';
    } else {
      current += ch;
    }
  }
  if (current.trim()) terms.push(current.trim());
  return terms;
}

function parseTerm(term: string): Requirement {
  const set = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
  if (set) {
    const values = (set[3] ?? '')
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
    return { op: set[2] === 'in' ? 'in' : 'notin', key: set[1] ?? '', values };
  }
  const neq = /^([^\s!=]+)\s*!=\s*(\S*)$/.exec(term);
  if (neq) return { op: 'notin', key: neq[1] ?? '', values: [neq[2] ?? ''] };
  const eq = /^([^\s!=]+)\s*==?\s*(\S*)$/.exec(term);
  if (eq) return { op: 'in', key: eq[1] ?? '', values: [eq[2] ?? ''] };
  const not = /^!\s*([^\s!=]+)$/.exec(term);
  if (not) return { op: 'notexists', key: not[1] ?? '' };
  if (/^[^\s!=(),]+$/.test(term)) return { op: 'exists', key: term };
  throw errors.badRequest(`unable to parse requirement: found '${term}', expected: a valid label selector`);
}

function satisfies(reqs: Requirement[], labels: Record<string, string> | undefined): boolean {
  return reqs.every((r) => {
    const value = labels?.[r.key];
    switch (r.op) {
      case 'exists':
        return value !== undefined;
      case 'notexists':
        return value === undefined;
      case 'in':
        return value !== undefined && r.values.includes(value);
      case 'notin':
        return value === undefined || !r.values.includes(value);
    }
  });
}

export function parseLabelSelector(text: string | null | undefined): Selector {
  if (!text) return () => true;
  const reqs = splitTerms(text).map(parseTerm);
  return (labels) => satisfies(reqs, labels);
}

export interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

/** A LabelSelector from a spec (matchLabels/matchExpressions); an absent one matches nothing. */
export function labelSelectorFromObject(sel: LabelSelectorObject | undefined): Selector {
  if (!sel) return () => false;
  const reqs: Requirement[] = Object.entries(sel.matchLabels ?? {}).map(([key, v]) => ({ op: 'in', key, values: [v] }));
  for (const e of sel.matchExpressions ?? []) {
    if (e.operator === 'In' || e.operator === 'NotIn') {
      reqs.push({ op: e.operator === 'In' ? 'in' : 'notin', key: e.key, values: e.values ?? [] });
    } else {
      reqs.push({ op: e.operator === 'Exists' ? 'exists' : 'notexists', key: e.key });
    }
  }
  return (labels) => satisfies(reqs, labels);
}

export type FieldSelector = (obj: KubeObject) => boolean;

/** Field selectors: `metadata.name=x,status.phase!=Running`; any dotted path is allowed. */
export function parseFieldSelector(text: string | null | undefined): FieldSelector {
  if (!text) return () => true;
  const reqs = splitTerms(text).map((term) => {
    const m = /^([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw errors.badRequest(`invalid selector: '${text}'; can't understand '${term}'`);
    return { path: m[1] ?? '', negate: m[2] === '!=', value: m[3] ?? '' };
  });
  return (obj) =>
    reqs.every((r) => {
      const raw = readPath(obj, r.path);
      const value = typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : '';
      return r.negate ? value !== r.value : value === r.value;
    });
}
