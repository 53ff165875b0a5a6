/**
 * The object store: the sim's etcd. One global resourceVersion counter orders every write, and a
 * bounded history of events lets watches resume from a resourceVersion, or fail with 410 Gone
 * when it has been compacted away, exactly the situation clients must handle on a real cluster.
 */
import { randomUUID } from 'node:crypto';
import type { SimClock } from '../clock.js';
import { clone, type KubeObject } from './object.js';
import { RESOURCE_TYPES, T, apiVersionOf, typeKey, type ResourceType } from './resources.js';
import { errors } from './status.js';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: EventType;
  resourceType: ResourceType;
  object: KubeObject;
  /** The object before a MODIFIED, so watches can turn selector changes into ADDED/DELETED. */
  previous?: KubeObject;
  rv: number;
}

export interface WriteOptions {
  /** Compute and validate, but store nothing (`?dryRun=All`). */
  dryRun?: boolean;
}

export interface UpdateOptions extends WriteOptions {
  subresource?: 'status';
  /** Fail with 409 when the object's resourceVersion is set and is not the stored one. */
  checkResourceVersion?: boolean;
}

type Listener = (event: StoreEvent) => void;

function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

export class Store {
  private rv = 1;
  private readonly tables = new Map<string, Map<string, KubeObject>>();
  /** type → namespace → objects: controllers list pods per namespace on every reconcile. */
  private readonly byNamespace = new Map<string, Map<string, Map<string, KubeObject>>>();
  /**
   * type → label key → value → objects, built on the first `listLabelled` of that key: the
   * injector resolves istiod Deployments for every pod it creates, among thousands of others.
   */
  private readonly byLabel = new Map<string, Map<string, Map<string, Map<string, KubeObject>>>>();
  /**
   * owner uid → type → objects that name it in an ownerReference: a reconcile of one Deployment
   * reads its own ReplicaSets and pods, and a cascading delete finds the dependents, without
   * scanning a namespace of thousands.
   */
  private readonly byOwner = new Map<string, Map<string, Map<string, KubeObject>>>();
  /** Ordered by rv (every write appends the next one), so a resume point is a binary search away. */
  private readonly history: StoreEvent[] = [];
  private historyStart = 0;
  private readonly listeners = new Set<Listener>();
  /**
   * Listeners of one type: a watch of Deployments is not called for every pod write, so a write
   * costs the watches of its own type, not every watch open.
   */
  private readonly typedListeners = new Map<ResourceType, Set<Listener>>();

  constructor(
    private readonly clock: SimClock,
    /** How many events watches can resume from before they get 410 Gone. */
    readonly historyLimit = 20_000,
  ) {}

  get resourceVersion(): number {
    return this.rv;
  }

  /** The oldest resourceVersion a watch can still resume after. */
  get oldestResumableVersion(): number {
    return this.history[this.historyStart]?.rv ?? this.rv;
  }

  private table(t: ResourceType): Map<string, KubeObject> {
    const key = typeKey(t.group, t.plural);
    let table = this.tables.get(key);
    if (!table) {
      table = new Map();
      this.tables.set(key, table);
    }
    return table;
  }

  /** The stored object itself: callers must treat it as read-only and write through the store. */
  get(t: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.table(t).get(objectKey(t.namespaced ? namespace : undefined, name));
  }

  mustGet(t: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const obj = this.get(t, namespace, name);
    if (!obj) throw errors.notFound(t, name);
    return obj;
  }

  list(t: ResourceType, namespace?: string): KubeObject[] {
    if (namespace && t.namespaced)
      return [...(this.byNamespace.get(typeKey(t.group, t.plural))?.get(namespace)?.values() ?? [])];
    return [...this.table(t).values()];
  }

  /**
   * Objects of a type with an ownerReference to `ownerUid` (controller or not), from an index kept
   * up to date on every write; in the order they were created.
   */
  listOwnedBy(t: ResourceType, ownerUid: string | undefined): KubeObject[] {
    if (ownerUid === undefined) return [];
    return [...(this.byOwner.get(ownerUid)?.get(typeKey(t.group, t.plural))?.values() ?? [])];
  }

  /** Objects of a type whose label `key` is `value`, from an index kept up to date on every write. */
  listLabelled(t: ResourceType, key: string, value: string): KubeObject[] {
    const tk = typeKey(t.group, t.plural);
    let perKey = this.byLabel.get(tk);
    if (!perKey) {
      perKey = new Map();
      this.byLabel.set(tk, perKey);
    }
    let perValue = perKey.get(key);
    if (!perValue) {
      perValue = new Map();
      perKey.set(key, perValue);
      for (const [k, obj] of this.table(t)) {
        const v = obj.metadata.labels?.[key];
        if (v !== undefined) addTo(perValue, v, k, obj);
      }
    }
    return [...(perValue.get(value)?.values() ?? [])];
  }

  private indexLabels(tk: string, key: string, obj: KubeObject | undefined, previous: KubeObject | undefined): void {
    const perKey = this.byLabel.get(tk);
    if (!perKey) return;
    for (const [label, perValue] of perKey) {
      const before = previous?.metadata.labels?.[label];
      if (before !== undefined) perValue.get(before)?.delete(key);
      const after = obj?.metadata.labels?.[label];
      if (after !== undefined && obj) addTo(perValue, after, key, obj);
    }
  }

  private index(
    t: ResourceType,
    key: string,
    obj: KubeObject | undefined,
    namespace: string | undefined,
    previous?: KubeObject,
  ): void {
    const tk = typeKey(t.group, t.plural);
    this.indexLabels(tk, key, obj, previous);
    this.indexOwners(tk, key, obj, previous);
    if (!t.namespaced || !namespace) return;
    let perNs = this.byNamespace.get(tk);
    if (!perNs) {
      perNs = new Map();
      this.byNamespace.set(tk, perNs);
    }
    let objs = perNs.get(namespace);
    if (!objs) {
      objs = new Map();
      perNs.set(namespace, objs);
    }
    if (obj) objs.set(key, obj);
    else objs.delete(key);
  }

  private indexOwners(tk: string, key: string, obj: KubeObject | undefined, previous: KubeObject | undefined): void {
    const after = obj?.metadata.ownerReferences ?? [];
    for (const ref of previous?.metadata.ownerReferences ?? []) {
      if (after.some((r) => r.uid === ref.uid)) continue;
      const perType = this.byOwner.get(ref.uid);
      const objs = perType?.get(tk);
      objs?.delete(key);
      if (objs?.size === 0) perType?.delete(tk);
      if (perType?.size === 0) this.byOwner.delete(ref.uid);
    }
    if (!obj) return;
    for (const ref of after) {
      let perType = this.byOwner.get(ref.uid);
      if (!perType) {
        perType = new Map();
        this.byOwner.set(ref.uid, perType);
      }
      let objs = perType.get(tk);
      if (!objs) {
        objs = new Map();
        perType.set(tk, objs);
      }
      // An update keeps the object's place: the map stays in creation order.
      objs.set(key, obj);
    }
  }

  /** Calls `listener` with every write, or with the writes of one type only. */
  subscribe(listener: Listener, only?: ResourceType): () => void {
    if (only === undefined) {
      this.listeners.add(listener);
      return () => this.listeners.delete(listener);
    }
    let set = this.typedListeners.get(only);
    if (!set) {
      set = new Set();
      this.typedListeners.set(only, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Events after `rv`, or undefined when some of them were compacted (410 Gone). */
  eventsAfter(rv: number): StoreEvent[] | undefined {
    if (rv >= this.rv) return [];
    const oldest = this.history[this.historyStart];
    if (!oldest || rv < oldest.rv - 1) return undefined;
    // The first event after rv: a resumed watch costs log(history) plus what it is sent.
    let lo = this.historyStart;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.history[mid]?.rv ?? Infinity) > rv) hi = mid;
      else lo = mid + 1;
    }
    return this.history.slice(lo);
  }

  private emit(event: StoreEvent): void {
    this.history.push(event);
    if (this.history.length - this.historyStart > this.historyLimit) {
      this.historyStart++;
      // Compact the array now and then instead of shifting on every write.
      if (this.historyStart > this.historyLimit) {
        this.history.splice(0, this.historyStart);
        this.historyStart = 0;
      }
    }
    for (const listener of [...this.listeners]) listener(event);
    const typed = this.typedListeners.get(event.resourceType);
    if (typed) for (const listener of [...typed]) listener(event);
  }

  private nextVersion(): number {
    this.rv += 1;
    return this.rv;
  }

  create(t: ResourceType, input: KubeObject, opts: WriteOptions = {}): KubeObject {
    const obj = clone(input);
    obj.apiVersion = apiVersionOf(t);
    obj.kind = t.kind;
    const meta = obj.metadata;
    if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${randomSuffix()}`;
    if (!meta.name) throw errors.invalid(t, '', 'metadata.name: Required value: name or generateName is required');
    if (t.namespaced) {
      if (!meta.namespace) meta.namespace = 'default';
      if (
        t.plural !== 'namespaces' &&
        !this.table(T.namespaces).has(objectKey(undefined, meta.namespace)) &&
        this.requireNamespaces
      ) {
        throw errors.notFoundNamespace(meta.namespace);
      }
    } else {
      delete meta.namespace;
    }
    const table = this.table(t);
    const key = objectKey(meta.namespace, meta.name);
    if (table.has(key)) throw errors.alreadyExists(t, meta.name);
    meta.uid = randomUUID();
    meta.creationTimestamp = this.clock.iso();
    if ('spec' in obj) meta.generation = 1;
    delete meta.deletionTimestamp;
    if (opts.dryRun) return obj;
    meta.resourceVersion = String(this.nextVersion());
    table.set(key, obj);
    this.index(t, key, obj, meta.namespace);
    this.emit({ type: 'ADDED', resourceType: t, object: obj, rv: this.rv });
    return obj;
  }

  /** Replaces an object, keeping server-owned fields; honours the status subresource split. */
  update(t: ResourceType, input: KubeObject, opts: UpdateOptions = {}): KubeObject {
    const name = input.metadata.name;
    const namespace = t.namespaced ? input.metadata.namespace : undefined;
    const table = this.table(t);
    const key = objectKey(namespace, name);
    const current = table.get(key);
    if (!current) throw errors.notFound(t, name);
    const requested = input.metadata.resourceVersion;
    if (opts.checkResourceVersion && requested && requested !== current.metadata.resourceVersion) {
      throw errors.conflict(t, name);
    }
    let obj: KubeObject;
    if (opts.subresource === 'status') {
      obj = { ...current, metadata: { ...current.metadata } };
      if (input.status === undefined) delete obj.status;
      else obj.status = clone(input.status);
    } else {
      obj = clone(input);
      if (t.status) {
        if (current.status === undefined) delete obj.status;
        else obj.status = current.status;
      }
    }
    obj.apiVersion = apiVersionOf(t);
    obj.kind = t.kind;
    const meta = obj.metadata;
    meta.name = name;
    if (namespace) meta.namespace = namespace;
    else delete meta.namespace;
    meta.uid = current.metadata.uid;
    meta.creationTimestamp = current.metadata.creationTimestamp;
    if (current.metadata.deletionTimestamp) meta.deletionTimestamp = current.metadata.deletionTimestamp;
    else delete meta.deletionTimestamp;
    meta.generation = current.metadata.generation;
    // A status write keeps the stored spec itself, so only a full update can change it.
    if ('spec' in obj && obj.spec !== current.spec && JSON.stringify(obj.spec) !== JSON.stringify(current.spec)) {
      meta.generation = (current.metadata.generation ?? 0) + 1;
    }
    if (meta.generation === undefined) delete meta.generation;
    meta.resourceVersion = current.metadata.resourceVersion;
    // A write that changes nothing is not a write: no new resourceVersion and no watch event,
    // which is also why patching the same restart annotation twice starts only one rollout.
    // A status write differs from the stored object in its status at most: comparing that is enough.
    const unchanged =
      opts.subresource === 'status'
        ? JSON.stringify(obj.status) === JSON.stringify(current.status)
        : JSON.stringify(obj) === JSON.stringify(current);
    if (unchanged) return current;
    if (opts.dryRun) return obj;
    meta.resourceVersion = String(this.nextVersion());
    table.set(key, obj);
    this.index(t, key, obj, namespace, current);
    this.emit({ type: 'MODIFIED', resourceType: t, object: obj, previous: current, rv: this.rv });
    return obj;
  }

  delete(
    t: ResourceType,
    namespace: string | undefined,
    name: string,
    opts: WriteOptions & { uid?: string } = {},
  ): KubeObject {
    const table = this.table(t);
    const key = objectKey(t.namespaced ? namespace : undefined, name);
    const current = table.get(key);
    if (!current) throw errors.notFound(t, name);
    if (opts.uid && opts.uid !== current.metadata.uid) throw errors.conflict(t, name);
    if (opts.dryRun) return current;
    table.delete(key);
    this.index(t, key, undefined, current.metadata.namespace, current);
    const deleted = { ...current, metadata: { ...current.metadata, resourceVersion: String(this.nextVersion()) } };
    this.emit({ type: 'DELETED', resourceType: t, object: deleted, rv: this.rv });
    this.collectGarbage(deleted);
    return deleted;
  }

  /** Background cascading deletion: dependents of a deleted owner go too, namespaces empty out. */
  private collectGarbage(owner: KubeObject): void {
    // Pods own nothing; skipping them keeps a rollout of thousands of pods linear.
    if (owner.kind === 'Pod') return;
    // From the owner and namespace indexes: deleting one ReplicaSet costs its pods, not the cluster.
    const dependents: Array<[string, KubeObject]> = [];
    for (const [tk, objs] of this.byOwner.get(owner.metadata.uid ?? '') ?? []) {
      for (const obj of objs.values()) dependents.push([tk, obj]);
    }
    if (owner.kind === 'Namespace' && owner.apiVersion === 'v1') {
      for (const [tk, perNs] of this.byNamespace) {
        for (const obj of perNs.get(owner.metadata.name)?.values() ?? []) dependents.push([tk, obj]);
      }
    }
    for (const [tk, obj] of dependents) {
      const t = TYPES_BY_KEY.get(tk);
      if (t && this.table(t).has(objectKey(obj.metadata.namespace, obj.metadata.name))) {
        this.delete(t, obj.metadata.namespace, obj.metadata.name);
      }
    }
  }

  /** Objects may only be created in existing namespaces once the scenario has been loaded. */
  requireNamespaces = false;

  /** Counts objects, for the benchmark's report. */
  size(): number {
    let n = 0;
    for (const table of this.tables.values()) n += table.size;
    return n;
  }
}

function addTo(perValue: Map<string, Map<string, KubeObject>>, value: string, key: string, obj: KubeObject): void {
  let objs = perValue.get(value);
  if (!objs) {
    objs = new Map();
    perValue.set(value, objs);
  }
  objs.set(key, obj);
}

const TYPES_BY_KEY = new Map(RESOURCE_TYPES.map((t) => [typeKey(t.group, t.plural), t]));

const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Kubernetes' generateName suffix alphabet (no vowels, no confusable digits). */
export function randomSuffix(length = 5): string {
  let s = '';
  for (let i = 0; i < length; i++) s += ALPHABET[Math.floor(Math.random() * ALPHABET.length)];
  return s;
}
