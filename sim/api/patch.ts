/**
 * The three patch formats clients send. Strategic merge is implemented for the lists this
 * project touches (containers, env, volumes, conditions, ports…), keyed by their merge keys, plus
 * the `$patch` and `$setElementOrder` directives kubectl emits; other lists are replaced, which is
 * what the real server does for lists without a merge strategy.
 */
import { clone, isJsonObject, type JsonObject } from './object.js';
import { errors } from './status.js';

export type PatchType = 'merge' | 'strategic' | 'json' | 'apply';

export function patchTypeOf(contentType: string | undefined): PatchType {
  const type = (contentType ?? '').split(';')[0]?.trim() ?? '';
  switch (type) {
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    case 'application/json-patch+json':
      return 'json';
    case 'application/apply-patch+yaml':
    case 'application/apply-patch+cbor':
      return 'apply';
    default:
      throw errors.unsupportedMediaType(type);
  }
}

/** RFC 7386. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) return clone(patch);
  const result: JsonObject = isJsonObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  conditions: 'type',
  imagePullSecrets: 'name',
  ownerReferences: 'uid',
  topologySpreadConstraints: 'topologyKey',
  hostAliases: 'ip',
};

/** Primitive lists whose strategy is "merge" (union) rather than replace. */
const MERGED_PRIMITIVE_LISTS = new Set(['finalizers']);

function mergeKeyFor(field: string, items: unknown[]): string | undefined {
  if (field === 'ports') return items.some((i) => isJsonObject(i) && 'containerPort' in i) ? 'containerPort' : 'port';
  return MERGE_KEYS[field];
}

function strategicList(field: string, target: unknown, patch: unknown[]): unknown[] {
  const base: unknown[] = Array.isArray(target) ? (target as unknown[]) : [];
  if (MERGED_PRIMITIVE_LISTS.has(field)) {
    return [...base, ...patch.filter((p) => !base.includes(p))];
  }
  const key = mergeKeyFor(field, [...base, ...patch]);
  if (!key || !patch.every(isJsonObject)) return clone(patch);
  if (patch.some((p) => isJsonObject(p) && p.$patch === 'replace')) {
    return patch.filter((p) => !(isJsonObject(p) && p.$patch === 'replace')).map(clone);
  }
  const result = base.map(clone);
  for (const item of patch) {
    if (!isJsonObject(item)) continue;
    const idx = result.findIndex((r) => isJsonObject(r) && r[key] === item[key]);
    if (item.$patch === 'delete') {
      if (idx >= 0) result.splice(idx, 1);
      continue;
    }
    if (idx >= 0) result[idx] = strategicMerge(result[idx], item);
    else result.push(strategicMerge({}, item));
  }
  return result;
}

export function strategicMerge(target: unknown, patch: unknown, field = ''): unknown {
  if (Array.isArray(patch)) return strategicList(field, target, patch);
  if (!isJsonObject(patch)) return clone(patch);
  if (patch.$patch === 'replace') {
    const { $patch: _directive, ...rest } = patch;
    return clone(rest);
  }
  if (patch.$patch === 'delete') return undefined;
  const result: JsonObject = isJsonObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$setElementOrder/') || key === '$retainKeys' || key === '$patch') continue;
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const listKey = key.slice('$deleteFromPrimitiveList/'.length);
      const current = result[listKey];
      if (Array.isArray(current) && Array.isArray(value)) result[listKey] = current.filter((v) => !value.includes(v));
      continue;
    }
    if (value === null) {
      delete result[key];
      continue;
    }
    const merged = strategicMerge(result[key], value, key);
    if (merged === undefined) delete result[key];
    else result[key] = merged;
  }
  return result;
}

interface JsonPatchOp {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: unknown;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw errors.badRequest(`invalid JSON pointer: ${path}`);
  return path
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: unknown, parts: string[], path: string): { parent: JsonObject | unknown[]; last: string } {
  let cur: unknown = doc;
  for (const part of parts.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(part)];
    else if (isJsonObject(cur)) cur = cur[part];
    else cur = undefined;
    if (cur === undefined) throw errors.jsonPatchFailed(path);
  }
  if (!Array.isArray(cur) && !isJsonObject(cur)) throw errors.jsonPatchFailed(path);
  return { parent: cur, last: parts[parts.length - 1] ?? '' };
}

function getAt(doc: unknown, path: string): unknown {
  let cur: unknown = doc;
  for (const part of pointer(path)) {
    if (Array.isArray(cur)) cur = cur[Number(part)];
    else if (isJsonObject(cur)) cur = cur[part];
    else return undefined;
  }
  return cur;
}

function removeAt(doc: unknown, path: string): unknown {
  const { parent, last } = parentOf(doc, pointer(path), path);
  if (Array.isArray(parent)) {
    const idx = Number(last);
    if (!(idx >= 0 && idx < parent.length)) throw errors.jsonPatchFailed(path);
    return parent.splice(idx, 1)[0];
  }
  if (!(last in parent)) throw errors.jsonPatchFailed(path);
  const old = parent[last];
  delete parent[last];
  return old;
}

function addAt(doc: unknown, path: string, value: unknown, replace: boolean): void {
  const { parent, last } = parentOf(doc, pointer(path), path);
  if (Array.isArray(parent)) {
    const idx = last === '-' ? parent.length : Number(last);
    if (!(idx >= 0 && idx <= parent.length)) throw errors.jsonPatchFailed(path);
    if (replace) parent[idx] = value;
    else parent.splice(idx, 0, value);
    return;
  }
  if (replace && !(last in parent)) throw errors.jsonPatchFailed(path);
  parent[last] = value;
}

/** RFC 6902. */
export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw errors.badRequest('json patch must be an array of operations');
  const doc = { root: clone(target) };
  for (const raw of ops) {
    if (!isJsonObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') {
      throw errors.badRequest('invalid json patch operation');
    }
    const op = raw as unknown as JsonPatchOp;
    const path = `/root${op.path}`;
    switch (op.op) {
      case 'add':
        addAt(doc, path, clone(op.value), false);
        break;
      case 'replace':
        addAt(doc, path, clone(op.value), true);
        break;
      case 'remove':
        removeAt(doc, path);
        break;
      case 'move':
        addAt(doc, path, removeAt(doc, `/root${op.from ?? ''}`), false);
        break;
      case 'copy':
        addAt(doc, path, clone(getAt(doc, `/root${op.from ?? ''}`)), false);
        break;
      case 'test':
        if (JSON.stringify(getAt(doc, path)) !== JSON.stringify(op.value)) {
          throw errors.jsonPatchFailed(op.path, 'testing value failed');
        }
        break;
      default:
        throw errors.badRequest(`unknown json patch op ${String(raw.op)}`);
    }
  }
  return doc.root;
}

export function applyPatch(type: PatchType, target: unknown, patch: unknown): unknown {
  switch (type) {
    case 'merge':
    case 'apply':
      return mergePatch(target, patch);
    case 'strategic':
      return strategicMerge(target, patch);
    case 'json':
      return jsonPatch(target, patch);
  }
}
