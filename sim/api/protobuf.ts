/**
 * Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`), as kubectl's typed
 * clients send them for built-in kinds (`kubectl create namespace|deployment|configmap|secret|
 * serviceaccount`, `kubectl run`). A real API server decodes protobuf for every built-in kind and
 * answers in whatever the Accept header allows; kubectl accepts JSON, so answers stay JSON.
 *
 * The wire format: the 4-byte magic `k8s\0`, then a runtime.Unknown message (typeMeta = 1 with
 * apiVersion = 1 and kind = 2, raw = 2) whose `raw` is the object's own message, decoded here with
 * the field numbers of schema.ts. Scalars that are zero are dropped unless the Go field is a
 * pointer, as Go's JSON encoding with `omitempty` would drop them; nested messages that are sent
 * are kept (an empty `resources: {}` stays), which is what Go's JSON encoding prints for structs.
 * A field the schema does not model is refused when it carries data, never silently dropped.
 */
import { ApiError, errors } from './status.js';
import { KIND_SCHEMAS, type FieldSchema, type FieldType, type MessageSchema } from './schema.js';
import type { ResourceType } from './resources.js';

export const PROTOBUF = 'application/vnd.kubernetes.protobuf';
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

interface RawField {
  no: number;
  varint?: bigint;
  bytes?: Buffer;
}

function rawFields(buf: Buffer): RawField[] {
  const out: RawField[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let value = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const byte = buf[pos++];
      if (byte === undefined) throw errors.badRequest('the protobuf body is truncated');
      value |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value;
    }
  };
  while (pos < buf.length) {
    const key = Number(varint());
    const no = key >>> 3;
    switch (key & 7) {
      case 0:
        out.push({ no, varint: varint() });
        break;
      case 1:
        out.push({ no, bytes: buf.subarray(pos, pos + 8) });
        pos += 8;
        break;
      case 5:
        out.push({ no, bytes: buf.subarray(pos, pos + 4) });
        pos += 4;
        break;
      case 2: {
        const length = Number(varint());
        if (pos + length > buf.length) throw errors.badRequest('the protobuf body is truncated');
        out.push({ no, bytes: buf.subarray(pos, pos + length) });
        pos += length;
        break;
      }
      default:
        throw errors.badRequest(`unsupported protobuf wire type ${key & 7}`);
    }
  }
  return out;
}

function notModelled(path: string, what: string): ApiError {
  return new ApiError(
    415,
    'UnsupportedMediaType',
    `sim: the protobuf body sets ${path} (${what}), which the simulator does not decode from protobuf; send the object as JSON (kubectl apply -f, kubectl create -f)`,
  );
}

const isEmpty = (r: RawField): boolean => (r.varint !== undefined ? r.varint === 0n : (r.bytes?.length ?? 0) === 0);

function scalarOf(type: FieldType, r: RawField, path: string): unknown {
  const bytes = r.bytes ?? Buffer.alloc(0);
  const v = r.varint ?? 0n;
  switch (type) {
    case 'string':
      return bytes.toString('utf8');
    case 'bytes':
      return bytes.toString('base64');
    case 'int32':
      return Number(BigInt.asIntN(32, v));
    case 'int64':
      return Number(BigInt.asIntN(64, v));
    case 'bool':
      return v !== 0n;
    case 'quantity':
      return str(rawFields(bytes), 1) ?? '';
    case 'intstr': {
      const fields = rawFields(bytes);
      const kind = fields.find((x) => x.no === 1)?.varint ?? 0n;
      if (kind === 1n) return str(fields, 3) ?? '';
      return Number(BigInt.asIntN(32, fields.find((x) => x.no === 2)?.varint ?? 0n));
    }
    case 'time': {
      const fields = rawFields(bytes);
      const seconds = Number(BigInt.asIntN(64, fields.find((x) => x.no === 1)?.varint ?? 0n));
      return seconds === 0 ? undefined : new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    }
    case 'open':
      if (!isEmpty(r)) throw notModelled(path, 'not modelled');
      return {};
    case 'skip':
      return undefined;
    default:
      return decodeMessage(bytes, type, path);
  }
}

function str(fields: RawField[], no: number): string | undefined {
  return fields.find((x) => x.no === no)?.bytes?.toString('utf8');
}

function isZero(type: FieldType, value: unknown): boolean {
  if (typeof type !== 'string') return false;
  return value === undefined || value === '' || value === 0 || value === false;
}

export function decodeMessage(buf: Buffer, schema: MessageSchema, path: string): Record<string, unknown> {
  const byNo = new Map<number, [string, FieldSchema]>();
  for (const [json, field] of Object.entries(schema.fields)) if (field.no > 0) byNo.set(field.no, [json, field]);
  const out: Record<string, unknown> = {};
  for (const r of rawFields(buf)) {
    const known = byNo.get(r.no);
    if (!known) {
      if (isEmpty(r)) continue;
      throw notModelled(
        path === '' ? `field ${r.no} of ${schema.name}` : `${path}: field ${r.no} of ${schema.name}`,
        'an unknown field number',
      );
    }
    const [json, field] = known;
    const at = path === '' ? json : `${path}.${json}`;
    if (field.type === 'skip') continue;
    if (field.map) {
      const entry = rawFields(r.bytes ?? Buffer.alloc(0));
      const key = str(entry, 1) ?? '';
      const valueField = entry.find((x) => x.no === 2) ?? { no: 2, bytes: Buffer.alloc(0) };
      const target = (out[json] ??= {}) as Record<string, unknown>;
      target[key] = scalarOf(field.type, valueField, `${at}[${key}]`);
      continue;
    }
    if (field.repeated) {
      const items = (out[json] ??= []) as unknown[];
      items.push(scalarOf(field.type, r, `${at}[${items.length}]`));
      continue;
    }
    const value = scalarOf(field.type, r, at);
    if (value === undefined || (!field.pointer && isZero(field.type, value))) continue;
    out[json] = value;
  }
  return out;
}

/** The object a protobuf request body carries, as the JSON the same request would have sent. */
export function decodeProtobufObject(t: ResourceType, body: Buffer): Record<string, unknown> {
  if (!body.subarray(0, 4).equals(MAGIC))
    throw errors.badRequest('the protobuf body does not start with the k8s\\0 envelope');
  const schema = KIND_SCHEMAS.get(`${t.group}/${t.plural}`);
  if (!schema) {
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      `sim: ${t.kind} is decoded from JSON only (the simulator decodes protobuf for ${[...KIND_SCHEMAS.values()].map((s) => s.name).join(', ')}); accepted media types include: application/json, application/yaml`,
    );
  }
  const envelope = rawFields(body.subarray(4));
  const typeMeta = rawFields(envelope.find((x) => x.no === 1)?.bytes ?? Buffer.alloc(0));
  const apiVersion = str(typeMeta, 1) ?? '';
  const kind = str(typeMeta, 2) ?? '';
  if (kind !== '' && kind !== t.kind) throw errors.badRequest(`the body of the request is a ${kind}, not a ${t.kind}`);
  const raw = envelope.find((x) => x.no === 2)?.bytes ?? Buffer.alloc(0);
  return { apiVersion, kind, ...decodeMessage(raw, schema, '') };
}
