/**
 * Server-side field validation (`?fieldValidation=Strict|Warn|Ignore`, Kubernetes 1.27 GA), for the
 * kinds schema.ts lists. A built-in kind decodes into a Go struct, so a field the struct does not
 * have never reaches storage, whatever the directive:
 *
 * - Strict: the request fails with 400 BadRequest naming every unknown field, e.g.
 *   `Deployment in version "v1" cannot be handled as a Deployment: strict decoding error:
 *   unknown field "spec.replica"` (kubectl's default `--validate=strict` sends this);
 * - Warn (the default when the parameter is absent): the field is dropped and each one comes
 *   back as a `Warning: 299 - "unknown field \"spec.replica\""` header, which kubectl prints;
 * - Ignore: the field is dropped silently.
 *
 * Kinds without a schema (custom resources here keep unknown fields) are never checked.
 */
import { isJsonObject } from './object.js';
import type { ResourceType } from './resources.js';
import { KIND_SCHEMAS, type MessageSchema } from './schema.js';
import { errors } from './status.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export function fieldValidationOf(q: URLSearchParams): FieldValidation {
  const asked = q.get('fieldValidation');
  if (asked === null || asked === '') return 'Warn';
  const known: FieldValidation[] = ['Strict', 'Warn', 'Ignore'];
  const found = known.find((k) => k.toLowerCase() === asked.toLowerCase());
  if (!found)
    throw errors.badRequest(
      `fieldValidation parameter unsupported: ${asked}, allowed values are: Ignore, Warn, Strict`,
    );
  return found;
}

/** Paths of the fields `value` has and the schema does not, removed from `value` as they are found. */
function prune(
  value: Record<string, unknown>,
  schema: MessageSchema,
  path: string,
  out: string[],
  keep: ReadonlySet<string>,
): void {
  for (const key of Object.keys(value)) {
    const at = path === '' ? key : `${path}.${key}`;
    const field = schema.fields[key];
    if (field === undefined) {
      if (keep.has(at)) continue;
      out.push(at);
      delete value[key];
      continue;
    }
    const type = field.type;
    if (typeof type === 'string') continue;
    const child = value[key];
    if (field.map && isJsonObject(child)) {
      for (const [k, v] of Object.entries(child)) if (isJsonObject(v)) prune(v, type, `${at}[${k}]`, out, keep);
    } else if (field.repeated && Array.isArray(child)) {
      child.forEach((item, i) => {
        if (isJsonObject(item)) prune(item, type, `${at}[${i}]`, out, keep);
      });
    } else if (isJsonObject(child)) {
      prune(child, type, at, out, keep);
    }
  }
}

/**
 * Drops the fields of `obj` its kind does not have, as decoding into the kind's Go type does;
 * fails the request under Strict; returns the warnings to send under Warn. A patch is judged by
 * what it adds: `before` (the stored object) lists fields already there, which a real server
 * could never have stored and the sim's own controllers may have, so they are left alone.
 */
export function validateFields(
  t: ResourceType,
  obj: Record<string, unknown>,
  directive: FieldValidation,
  before?: Record<string, unknown>,
): string[] {
  const schema = KIND_SCHEMAS.get(`${t.group}/${t.plural}`);
  if (!schema) return [];
  const keep = new Set<string>();
  if (before !== undefined) {
    const existing: string[] = [];
    prune(structuredClone(before), schema, '', existing, keep);
    for (const p of existing) keep.add(p);
  }
  const unknown: string[] = [];
  prune(obj, schema, '', unknown, keep);
  if (unknown.length === 0 || directive === 'Ignore') return [];
  const listed = unknown.map((p) => `unknown field "${p}"`);
  if (directive === 'Strict') {
    throw errors.badRequest(
      `${t.kind} in version "${t.version}" cannot be handled as a ${t.kind}: strict decoding error: ${listed.join(', ')}`,
    );
  }
  return listed;
}

/** A warning as the `Warning` response header carries it (RFC 7234 warn-code 299, agent "-"). */
export function warningHeader(text: string): string {
  return `299 - ${JSON.stringify(text)}`;
}
