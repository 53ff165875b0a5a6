import { describe, expect, it } from 'vitest';
import type { ComponentHealth, Inventory, SailHealth } from '../../../core/inventory.js';
import { planUpgrade } from '../../../core/plan/upgrade.js';
import type { Finding } from '../../../core/prechecks/finding.js';
import { cluster, spec } from '../fixtures/cluster.js';

const healthy = (n: number): ComponentHealth => ({ desired: n, ready: n, updated: n, unready: [] });

function ambient(): Inventory {
  const inventory = cluster({ ambient: true, version: '1.27.3' });
  const [revision] = inventory.controlPlane.revisions;
  if (revision) revision.health = healthy(2);
  for (const g of inventory.gateways) g.health = healthy(1);
  if (inventory.cni) inventory.cni.health = healthy(3);
  if (inventory.ztunnel) inventory.ztunnel.health = healthy(3);
  return inventory;
}

function findings(inventory: Inventory, check: string): Finding[] {
  return planUpgrade(
    spec({ install: { method: 'helm', mode: 'ambient', strategy: 'revision' }, version: { target: '1.28.0' } }),
    inventory,
  ).findings.filter((f) => f.check === check);
}

const STUCK = {
  pod: 'ztunnel-abcde',
  node: 'node-2',
  reason: 'ContainerCreating',
  event: 'FailedCreatePodSandBox: failed to create pod sandbox: plugin type="istio-cni" failed',
};

describe('component-health precheck', () => {
  it.each<[string, (i: Inventory) => void, { message: string; evidence: string[] } | null]>([
    ['a healthy ambient mesh', () => {}, null],
    [
      'an inventory recorded before health was read (no health at all)',
      (i) => {
        for (const r of i.controlPlane.revisions) delete r.health;
        if (i.ztunnel) delete i.ztunnel.health;
      },
      null,
    ],
    [
      'ztunnel stuck in ContainerCreating on node-2',
      (i) => {
        if (i.ztunnel) i.ztunnel.health = { desired: 3, ready: 2, updated: 3, unready: [STUCK] };
      },
      {
        message: 'Not fully available before the upgrade: ztunnel (node-2)',
        evidence: [
          'ztunnel: node-2: ztunnel-abcde ContainerCreating (FailedCreatePodSandBox: failed to create pod sandbox: plugin type="istio-cni" failed)',
        ],
      },
    ],
    [
      'an istio-cni pod that cannot be scheduled and an istiod in a crash loop',
      (i) => {
        if (i.cni)
          i.cni.health = {
            desired: 3,
            ready: 2,
            updated: 3,
            unready: [{ pod: 'istio-cni-node-x2k9q', node: 'node-1', reason: 'Unschedulable', event: null }],
          };
        const [revision] = i.controlPlane.revisions;
        if (revision)
          revision.health = {
            desired: 2,
            ready: 1,
            updated: 2,
            unready: [
              {
                pod: 'istiod-5f7b9c8d4-x2k9q',
                node: 'node-3',
                reason: 'CrashLoopBackOff',
                event: 'BackOff: Back-off restarting failed container discovery',
              },
            ],
          };
      },
      {
        message: 'Not fully available before the upgrade: istiod (node-3), istio-cni (node-1)',
        evidence: [
          'istiod: node-3: istiod-5f7b9c8d4-x2k9q CrashLoopBackOff (BackOff: Back-off restarting failed container discovery)',
          'istio-cni: node-1: istio-cni-node-x2k9q Unschedulable',
        ],
      },
    ],
    [
      'a gateway short of a replica with no pod to show for it',
      (i) => {
        const [g] = i.gateways;
        if (g) g.health = { desired: 2, ready: 1, updated: 2, unready: [] };
      },
      {
        message: 'Not fully available before the upgrade: ingress istio-ingress/istio-ingressgateway',
        evidence: ['ingress istio-ingress/istio-ingressgateway: 1/2 ready'],
      },
    ],
  ])('%s', (_name, breakIt, expected) => {
    const inventory = ambient();
    breakIt(inventory);
    const found = findings(inventory, 'component-health');
    if (expected === null) {
      expect(found).toEqual([]);
      return;
    }
    expect(found).toHaveLength(1);
    expect(found[0]?.severity).toBe('block');
    expect(found[0]?.message.startsWith(`${expected.message};`)).toBe(true);
    expect(found[0]?.evidence).toEqual(expected.evidence);
  });
});

describe('sail-health precheck', () => {
  const sail = (health: SailHealth[]): Inventory => {
    const inventory = cluster({ ambient: true, sail: 'RevisionBased' });
    if (inventory.sail) inventory.sail.health = health;
    return inventory;
  };
  const ok = (kind: SailHealth['kind'], name: string): SailHealth => ({
    kind,
    name,
    state: 'Healthy',
    ready: true,
    problem: null,
  });

  it.each<[string, SailHealth[], string[]]>([
    ['every resource Healthy', [ok('Istio', 'default'), ok('IstioCNI', 'default'), ok('ZTunnel', 'default')], []],
    [
      'the ZTunnel NotReady because its DaemonSet is not',
      [
        ok('Istio', 'default'),
        { kind: 'ZTunnel', name: 'default', state: 'NotReady', ready: false, problem: 'Ready DaemonSetNotReady' },
      ],
      ['ZTunnel default: NotReady (Ready DaemonSetNotReady)'],
    ],
    [
      'an IstioRevision that reports nothing yet',
      [{ kind: 'IstioRevision', name: 'default-v1-27-3', state: null, ready: false, problem: null }],
      ['IstioRevision default-v1-27-3: no state'],
    ],
  ])('%s', (_name, health, evidence) => {
    const found = planUpgrade(
      spec({ install: { method: 'sail', mode: 'ambient', strategy: 'revision' }, version: { target: '1.28.0' } }),
      sail(health),
    ).findings.filter((f) => f.check === 'sail-health');
    expect(found.flatMap((f) => f.evidence)).toEqual(evidence);
    expect(found.every((f) => f.severity === 'block')).toBe(true);
  });
});
