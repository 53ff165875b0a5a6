import { afterEach, describe, expect, it } from 'vitest';
import { SimClock } from '../../../sim/clock.js';
import { T } from '../../../sim/api/resources.js';
import { Store } from '../../../sim/api/store.js';

const clocks: SimClock[] = [];
afterEach(() => clocks.splice(0).forEach((c) => c.stop()));

function store(historyLimit?: number): Store {
  const clock = new SimClock(1);
  clocks.push(clock);
  const s = new Store(clock, historyLimit);
  s.create(T.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps' } });
  return s;
}

const configMap = (name: string, data: Record<string, string>, labels?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'apps', ...(labels && { labels }) },
  data,
});

describe('the store a watch resumes from', () => {
  it('returns exactly the events after a resourceVersion, in order, from anywhere in the history', () => {
    const s = store();
    for (let i = 0; i < 50; i++) s.create(T.configmaps, configMap(`cm-${i}`, { i: String(i) }));
    const first = s.resourceVersion - 49;
    for (const rv of [first - 1, first, first + 17, s.resourceVersion - 1]) {
      const events = s.eventsAfter(rv) ?? [];
      expect(events.map((e) => e.rv)).toEqual(Array.from({ length: s.resourceVersion - rv }, (_, i) => rv + 1 + i));
    }
    expect(s.eventsAfter(s.resourceVersion)).toEqual([]);
  });

  it('answers undefined (410 Gone) for a resourceVersion compacted out of a bounded history, and resumes just inside it', () => {
    const s = store(10);
    for (let i = 0; i < 40; i++) s.create(T.configmaps, configMap(`cm-${i}`, { i: String(i) }));
    const oldest = s.oldestResumableVersion;
    expect(s.resourceVersion - oldest).toBe(9);
    expect(s.eventsAfter(oldest - 2)).toBeUndefined();
    expect(s.eventsAfter(oldest - 1)?.map((e) => e.rv)).toEqual(Array.from({ length: 10 }, (_, i) => oldest + i));
  });
});

describe('objects by label', () => {
  it('follows creates, relabels and deletes after the index is first built', () => {
    const s = store();
    s.create(T.configmaps, configMap('a', { x: '1' }, { app: 'istiod' }));
    s.create(T.configmaps, configMap('b', { x: '1' }, { app: 'web' }));
    const names = () =>
      s
        .listLabelled(T.configmaps, 'app', 'istiod')
        .map((o) => o.metadata.name)
        .sort();
    expect(names()).toEqual(['a']);
    s.create(T.configmaps, configMap('c', { x: '1' }, { app: 'istiod' }));
    s.update(T.configmaps, configMap('b', { x: '1' }, { app: 'istiod' }));
    s.update(T.configmaps, configMap('a', { x: '1' }, { app: 'web' }));
    expect(names()).toEqual(['b', 'c']);
    s.delete(T.configmaps, 'apps', 'c');
    expect(names()).toEqual(['b']);
    // The index holds the current object, not the one it first saw.
    s.update(T.configmaps, configMap('b', { x: '2' }, { app: 'istiod' }));
    expect(s.listLabelled(T.configmaps, 'app', 'istiod')[0]?.data).toEqual({ x: '2' });
  });
});

describe('objects by owner', () => {
  const owned = (name: string, ...owners: Array<{ name: string; uid?: string }>) => ({
    ...configMap(name, { x: '1' }),
    metadata: {
      name,
      namespace: 'apps',
      ownerReferences: owners.map((o) => ({ apiVersion: 'v1', kind: 'ConfigMap', name: o.name, uid: o.uid ?? '' })),
    },
  });
  const names = (s: Store, uid: string | undefined) =>
    s
      .listOwnedBy(T.configmaps, uid)
      .map((o) => o.metadata.name)
      .sort();

  it('follows creates, owner changes and deletes, in creation order, with the current objects', () => {
    const s = store();
    const a = s.create(T.configmaps, configMap('owner-a', {}));
    const b = s.create(T.configmaps, configMap('owner-b', {}));
    s.create(T.configmaps, owned('x', a.metadata));
    s.create(T.configmaps, owned('y', a.metadata, b.metadata));
    s.create(T.configmaps, owned('z', b.metadata));
    expect(s.listOwnedBy(T.configmaps, a.metadata.uid).map((o) => o.metadata.name)).toEqual(['x', 'y']);
    expect(names(s, b.metadata.uid)).toEqual(['y', 'z']);
    // Another type owned by the same uid is listed apart.
    expect(s.listOwnedBy(T.secrets, a.metadata.uid)).toEqual([]);

    s.update(T.configmaps, owned('x', b.metadata));
    expect(names(s, a.metadata.uid)).toEqual(['y']);
    expect(names(s, b.metadata.uid)).toEqual(['x', 'y', 'z']);
    s.update(T.configmaps, { ...owned('y', a.metadata, b.metadata), data: { x: '2' } });
    expect(s.listOwnedBy(T.configmaps, a.metadata.uid)[0]?.data).toEqual({ x: '2' });
    s.delete(T.configmaps, 'apps', 'z');
    expect(names(s, b.metadata.uid)).toEqual(['x', 'y']);
    expect(s.listOwnedBy(T.configmaps, undefined)).toEqual([]);
  });

  it('deletes an owner with everything that names it, down the chain, and leaves the rest', () => {
    const s = store();
    const top = s.create(T.configmaps, configMap('top', {}));
    const middle = s.create(T.configmaps, owned('middle', top.metadata));
    s.create(T.configmaps, owned('leaf', middle.metadata));
    s.create(T.configmaps, owned('shared', middle.metadata, { name: 'elsewhere', uid: 'not-deleted' }));
    s.create(T.configmaps, configMap('bystander', {}));
    const before = s.resourceVersion;
    s.delete(T.configmaps, 'apps', 'top');
    expect(
      s
        .list(T.configmaps)
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['bystander']);
    expect((s.eventsAfter(before) ?? []).map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual([
      'DELETED top',
      'DELETED middle',
      'DELETED leaf',
      'DELETED shared',
    ]);
    expect(s.listOwnedBy(T.configmaps, middle.metadata.uid)).toEqual([]);
  });

  it('empties a deleted namespace of every namespaced object and keeps the other namespaces', () => {
    const s = store();
    s.create(T.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
    s.create(T.configmaps, configMap('a', {}));
    s.create(T.secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'apps' } });
    s.create(T.configmaps, { ...configMap('b', {}), metadata: { name: 'b', namespace: 'other' } });
    s.delete(T.namespaces, undefined, 'apps');
    expect(s.list(T.configmaps).map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['other/b']);
    expect(s.list(T.secrets)).toEqual([]);
  });
});

describe('listeners of one type', () => {
  it('hears the writes of its type only, in order, until it unsubscribes', () => {
    const s = store();
    const heard: string[] = [];
    const everything: string[] = [];
    s.subscribe((e) => everything.push(`${e.type} ${e.object.kind} ${e.object.metadata.name}`));
    const stop = s.subscribe((e) => heard.push(`${e.type} ${e.object.metadata.name}`), T.configmaps);
    s.create(T.configmaps, configMap('a', { x: '1' }));
    s.create(T.secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'apps' } });
    s.update(T.configmaps, configMap('a', { x: '2' }));
    s.delete(T.configmaps, 'apps', 'a');
    stop();
    s.create(T.configmaps, configMap('b', { x: '1' }));
    expect(heard).toEqual(['ADDED a', 'MODIFIED a', 'DELETED a']);
    expect(everything).toHaveLength(5);
  });
});
