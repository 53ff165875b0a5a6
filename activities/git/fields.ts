/**
 * The chart version inside a file of the GitOps repository: a Flux HelmRelease's
 * `spec.chart.spec.version`, an Argo CD Application's `spec.source.targetRevision`, a values
 * file's own key. The `yaml` package's Document API finds the field; only the bytes of its value
 * are replaced, in the value's own quoting, so the team's comments, key order and layout survive
 * byte for byte: the diff they review is the version and nothing else.
 */
import { isScalar, parseAllDocuments, Scalar } from 'yaml';

export type FieldEdit =
  { found: true; text: string; changed: boolean; before: string[] } | { found: false; why: string };

function written(node: Scalar, value: string): string {
  if (node.type === Scalar.QUOTE_DOUBLE) return JSON.stringify(value);
  if (node.type === Scalar.QUOTE_SINGLE) return `'${value.replaceAll("'", "''")}'`;
  return value;
}

/**
 * Sets `field` (dotted) to `value` in every YAML document of `text` that has it: a file holding
 * both the base and the istiod HelmRelease moves both. Not found anywhere, or holding a map, a
 * list or a block scalar rather than a version, is an answer for the caller to name.
 */
export function setField(text: string, field: string, version: string): FieldEdit {
  const documents = parseAllDocuments(text);
  if (!Array.isArray(documents) || documents.length === 0) return { found: false, why: 'the file is empty' };
  const broken = documents.flatMap((document) => document.errors);
  if (broken.length > 0) return { found: false, why: `the file is not YAML: ${broken[0]?.message ?? ''}` };
  const path = field.split('.');
  const before: string[] = [];
  const edits: { start: number; end: number; text: string }[] = [];
  for (const document of documents) {
    if (!document.hasIn(path)) continue;
    const node = document.getIn(path, true);
    const plainOrQuoted =
      isScalar(node) &&
      (node.type === Scalar.PLAIN || node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE);
    const value = plainOrQuoted ? node.value : null;
    const current = typeof value === 'string' || typeof value === 'number' ? String(value) : null;
    if (!plainOrQuoted || current === null || node.range === undefined || node.range === null)
      return { found: false, why: `${field} does not hold a one-line version` };
    before.push(current);
    if (current !== version) edits.push({ start: node.range[0], end: node.range[1], text: written(node, version) });
  }
  if (before.length === 0) return { found: false, why: `no ${field} in the file` };
  let edited = text;
  for (const edit of edits.sort((a, b) => b.start - a.start))
    edited = edited.slice(0, edit.start) + edit.text + edited.slice(edit.end);
  return { found: true, text: edited, changed: edits.length > 0, before };
}
