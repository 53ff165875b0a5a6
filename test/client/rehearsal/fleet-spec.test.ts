/**
 * The rehearsal's copy of a fleet spec: each cluster's child receives exactly the copy a single
 * rehearsal of that cluster's spec would run, bakes are shortened, windows and freezes dropped,
 * and every difference is listed.
 */
import { describe, expect, it } from 'vitest';
import { BAKE_CAP_SECONDS, rehearsalFleetSpec, rehearsedBakeSeconds } from '../../../client/rehearsal/fleet-spec.js';
import { rehearsalSpec } from '../../../client/rehearsal/spec.js';
import { clusterSpecInput, parseFleet } from '../../../core/fleet/spec.js';
import type { FleetSpecInput } from '../../../core/fleet/spec.js';
import { parseSpec } from '../../../core/spec/parse.js';

const fleetInput: FleetSpecInput = {
  name: 'mesh',
  target: '1.27.3',
  upgrade: {
    install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision' },
    timers: { soakAfterControlPlane: '10m', graceBeforeRevisionRemoval: '1h' },
    tests: {
      'bookinfo/reviews-v2': { http: { url: 'http://reviews.bookinfo:9080/health' } },
      'bookinfo/ratings-v1': { job: { image: 'curlimages/curl:8.10.1', command: ['curl', 'http://ratings:9080/'] } },
    },
    notifications: { slack: { channel: '#mesh-upgrades' } },
    approvals: { approvers: ['alice', 'bob'] },
  },
  clusters: {
    staging: { context: 'staging-ctx' },
    prod: {
      context: 'prod-ctx',
      taskQueue: 'upgrades-prod',
      windows: [{ days: ['tue'], start: '02:00', duration: '4h', timeZone: 'Europe/Berlin' }],
      freezes: [{ from: '2026-12-20T00:00:00Z', to: '2027-01-04T00:00:00Z', reason: 'holidays' }],
      overrides: {
        timers: { soakAfterControlPlane: '2h' },
        tests: { bookinfo: { command: { argv: ['curl', 'http://productpage.bookinfo:9080/'] } } },
        notifications: { slack: { channel: '#prod-upgrades' } },
      },
    },
  },
  stages: [
    { name: 'staging', clusters: ['staging'], bake: '24h' },
    { name: 'prod', clusters: ['prod'], bake: '30s' },
  ],
  approvals: { approvers: ['carol'] },
};

function copyOf(timeScale = 60) {
  const parsed = parseFleet(fleetInput);
  if (!parsed.ok) throw new Error(`fixture fleet is invalid: ${JSON.stringify(parsed.problems)}`);
  const copy = rehearsalFleetSpec(fleetInput, parsed.fleet, parsed.specs, {
    timeScale,
    contexts: { staging: 'sim', prod: 'sim' },
  });
  const reparsed = parseFleet(copy.input);
  if (!reparsed.ok) throw new Error(`the copy is invalid: ${JSON.stringify(reparsed.problems)}`);
  return { copy, original: parsed, rehearsed: reparsed };
}

describe('the rehearsal copy of a fleet spec', () => {
  it("hands each cluster's upgrade the same copy a single rehearsal of that cluster's spec runs", () => {
    const { copy, original, rehearsed } = copyOf();
    for (const cluster of ['staging', 'prod']) {
      const single = rehearsalSpec(clusterSpecInput(original.fleet, cluster), original.specs[cluster]!, {
        timeScale: 60,
        context: 'sim',
      });
      const expected = parseSpec(single.input);
      if (!expected.ok) throw new Error('single copy invalid');
      expect(rehearsed.specs[cluster], cluster).toEqual(expected.spec);
      expect(copy.clusters[cluster]?.changes, cluster).toEqual(single.changes);
    }
    // prod's own soak override, its command test and its channel are rehearsed as a single rehearsal would.
    expect(rehearsed.specs.prod?.timers).toEqual({ soakAfterControlPlane: 120, graceBeforeRevisionRemoval: 60 });
    expect(Object.keys(rehearsed.specs.prod?.tests ?? {})).toEqual(['bookinfo/ratings-v1']);
    expect(rehearsed.specs.prod?.notifications.slack).toBeUndefined();
    expect(rehearsed.specs.prod?.approvals.approvers).toEqual(['alice', 'bob', 'rehearsal']);
    expect(rehearsed.specs.prod?.cluster).toMatchObject({ name: 'prod', context: 'sim' });
  });

  it('adds the rehearsal approver to the fleet, keeps task queues, drops windows and freezes and says so', () => {
    const { copy, rehearsed } = copyOf();
    expect(rehearsed.fleet.approvals.approvers).toEqual(['carol', 'rehearsal']);
    expect(rehearsed.fleet.clusters.prod).toMatchObject({ taskQueue: 'upgrades-prod', windows: [], freezes: [] });
    expect(copy.ignoredSchedules).toEqual([{ cluster: 'prod', windows: 1, freezes: 1 }]);
    expect(copy.changes).toEqual([
      'approver "rehearsal" added to the fleet\'s approvers: stage gates are answered unattended',
      `stage staging: bake 1d runs as ${BAKE_CAP_SECONDS}s (real length ÷ time scale 60, at most ${BAKE_CAP_SECONDS}s: the fleet only waits during a bake); the estimate counts it at its real length`,
      'stage prod: bake 30s runs as 1s (real length ÷ time scale 60, at most 10s: the fleet only waits during a bake); the estimate counts it at its real length',
      'cluster prod: 1 maintenance window(s) and 1 freeze(s) ignored: a rehearsal runs now; the estimate includes the wait a real run started now would have',
    ]);
  });

  it('shortens a bake by the time scale, to at least a second and at most the cap; no bake stays none', () => {
    const { copy, rehearsed } = copyOf(60);
    expect(copy.bakes).toEqual([
      { stage: 'staging', realSeconds: 86_400, rehearsedSeconds: BAKE_CAP_SECONDS },
      { stage: 'prod', realSeconds: 30, rehearsedSeconds: 1 },
    ]);
    expect(rehearsed.fleet.stages.map((s) => s.bake)).toEqual([BAKE_CAP_SECONDS, 1]);
    expect([0, 1, 120, 300, 600, 601].map((s) => rehearsedBakeSeconds(s, 60))).toEqual([0, 1, 2, 5, 10, 10]);
  });
});
