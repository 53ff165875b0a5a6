/** The rehearsal's estimate at real speed and the mesh summary it prints. */
import { describe, expect, it } from 'vitest';
import { estimate, meshStateOf } from '../../../client/rehearsal/outcome.js';
import type { Soak } from '../../../client/rehearsal/spec.js';
import type { Journal, Span } from '../../../client/render/history.js';
import { emptyInventory } from '../../../core/inventory.js';

const span = (lane: Span['lane'], start: number, end: number): Span => ({
  lane,
  name: 'x',
  subject: '',
  start,
  end,
  outcome: 'completed',
  attempts: 1,
});
const journal = (spans: Span[]): Journal => ({
  startedAt: 0,
  endedAt: 100_000,
  closed: 'COMPLETED',
  spans,
  messages: [],
  events: 0,
});
const soaks: Soak[] = [
  { timer: 'soakAfterControlPlane', realSeconds: 600, rehearsedSeconds: 10 },
  { timer: 'graceBeforeRevisionRemoval', realSeconds: 3600, rehearsedSeconds: 60 },
];

describe('the estimate at real speed', () => {
  it('is the wall time any activity or child ran, times the time scale, plus each soak that ran at its real length', () => {
    // Activities 0-2 s and 1-4 s overlap (4 s), a child 10-12 s (2 s); the timer 4-10 s is not work.
    const e = estimate(
      journal([
        span('activity', 0, 2000),
        span('activity', 1000, 4000),
        span('timer', 4000, 10_000),
        span('child', 10_000, 12_000),
      ]),
      soaks,
      {
        timeScale: 60,
        gates: 3,
        soaksRun: ['soakAfterControlPlane', 'soakAfterControlPlane', 'graceBeforeRevisionRemoval'],
      },
    );
    expect(e).toEqual({
      seconds: 6 * 60 + 600 + 600 + 3600,
      workWallSeconds: 6,
      simulatedWorkSeconds: 360,
      soakSeconds: 4800,
      timeScale: 60,
      gates: 3,
    });
  });

  it('counts no soak that did not run', () => {
    expect(
      estimate(journal([span('activity', 0, 1000)]), soaks, { timeScale: 10, gates: 0, soaksRun: [] }).seconds,
    ).toBe(10);
  });
});

describe('the mesh after a rehearsal', () => {
  it('lists revisions, tags, Istio namespace labels, proxies per deployment and gateways apart', () => {
    const inventory = emptyInventory('2026-12-02T00:00:00Z');
    inventory.controlPlane.revisions = [
      {
        name: '1-27-3',
        version: '1.27.3',
        istiodReplicas: 1,
        hasPodDisruptionBudget: false,
        meshConfig: null,
        istiodEnv: {},
        compatibilityVersion: null,
      },
    ];
    inventory.controlPlane.tags = [{ name: 'default', revision: '1-27-3' }];
    inventory.namespaces = [
      { name: 'bookinfo', labels: { 'istio.io/rev': '1-27-3', 'kubernetes.io/metadata.name': 'bookinfo' } },
      { name: 'legacy', labels: {} },
    ];
    const proxy = (pod: string, version: string) => ({ pod, version, revision: '1-27-3', nativeSidecar: true });
    inventory.deployments = [
      {
        namespace: 'bookinfo',
        name: 'reviews-v2',
        replicas: 2,
        readyReplicas: 2,
        podLabels: {},
        podAnnotations: {},
        proxies: [proxy('a', '1.27.3'), proxy('b', '1.27.3')],
      },
      {
        namespace: 'istio-system',
        name: 'istio-ingressgateway',
        replicas: 1,
        readyReplicas: 1,
        podLabels: {},
        podAnnotations: {},
        proxies: [proxy('c', '1.27.3')],
      },
      {
        namespace: 'legacy',
        name: 'batch-worker',
        replicas: 1,
        readyReplicas: 1,
        podLabels: {},
        podAnnotations: {},
        proxies: [],
      },
    ];
    inventory.gateways = [
      {
        namespace: 'istio-system',
        name: 'istio-ingressgateway',
        kind: 'ingress',
        revision: '1-27-3',
        version: '1.27.3',
      },
    ];
    expect(meshStateOf(inventory)).toEqual({
      revisions: ['1-27-3@1.27.3'],
      tags: ['default→1-27-3'],
      namespaces: { bookinfo: { 'istio.io/rev': '1-27-3' } },
      proxies: { 'bookinfo/reviews-v2': ['1.27.3@1-27-3'] },
      gateways: { 'istio-system/istio-ingressgateway': '1.27.3@1-27-3' },
      nodeAgents: {},
    });
  });
});
