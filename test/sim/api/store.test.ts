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
