/** A fleet rehearsal's estimate at real speed (stages, lanes, bakes, windows) and its exit code. */
import { describe, expect, it } from 'vitest';
import { fleetEstimate, fleetExitCode } from '../../../client/rehearsal/fleet-outcome.js';
import type { FleetClusterRehearsal } from '../../../client/rehearsal/fleet-outcome.js';
import { parseFleet } from '../../../core/fleet/spec.js';
import type { FleetSpecInput } from '../../../core/fleet/spec.js';
import type { FleetClusterState, FleetStatus } from '../../../workflows/fleet/messages.js';

/** Monday 5 January 2026, 00:00 UTC. */
const MONDAY = Date.UTC(2026, 0, 5);

function fleetOf(clusters: FleetSpecInput['clusters']) {
  const parsed = parseFleet({
    name: 'mesh',
    target: '1.27.3',
    upgrade: {
      install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision' },
      approvals: { approvers: ['alice'] },
    },
    clusters,
    stages: [
      { name: 'first', clusters: ['a1', 'a2'], concurrency: 2, bake: '1h' },
      { name: 'second', clusters: ['b1', 'b2'], concurrency: 1, bake: '2h' },
    ],
  });
  if (!parsed.ok) throw new Error(`fixture fleet is invalid: ${JSON.stringify(parsed.problems)}`);
  return parsed.fleet;
}

function rehearsed(name: string, seconds: number | null): FleetClusterRehearsal {
  return {
    name,
    stage: name.startsWith('a') ? 'first' : 'second',
    source: 'scenario s.yaml',
    state: seconds === null ? 'not-started' : 'completed',
    reason: null,
    workflowId: `istio-upgrade-${name}`,
    taskQueue: `istio-upgrades-${name}`,
    outcome: seconds === null ? null : 'completed',
    steps: seconds === null ? null : [],
    rollback: null,
    failure: null,
    failureGates: [],
    refusedBy: [],
    restarts: 0,
    gates: seconds === null ? 0 : 2,
    soaks: [],
    estimate:
      seconds === null
        ? null
        : { seconds, workWallSeconds: 1, simulatedWorkSeconds: seconds, soakSeconds: 0, timeScale: 60, gates: 2 },
    finalState: { revisions: [], tags: [], namespaces: {}, proxies: {}, gateways: {}, nodeAgents: {} },
    specChanges: [],
    report: null,
  };
}

const measured = [rehearsed('a1', 600), rehearsed('a2', 900), rehearsed('b1', 300), rehearsed('b2', 300)];

describe('the estimate of a fleet at real speed, started now', () => {
  it('runs a stage on its lanes, bakes after every stage but the last, and waits for a window that is closed now', () => {
    const fleet = fleetOf({
      a1: {},
      a2: {},
      b1: { windows: [{ days: ['tue'], start: '02:00', duration: '4h', timeZone: 'UTC' }] },
      b2: {},
    });
    const e = fleetEstimate(fleet, measured, { nowMs: MONDAY, timeScale: 60, fleetGates: 1 });
    // first: a1 and a2 side by side (900 s), bake 1 h; second: b1 then b2, one at a time.
    expect(e.unscheduledSeconds).toBe(900 + 3600 + 300 + 300);
    // b1 waits from Monday 01:15 to Tuesday 02:00; b2 follows it.
    expect(e.seconds).toBe(26 * 3600 + 300 + 300);
    expect(e.windowWaitSeconds).toBe(e.seconds - e.unscheduledSeconds);
    expect(e.bakeSeconds).toBe(3600);
    expect(e.gates).toBe(1 + 4 * 2);
    expect(e.unmeasured).toEqual([]);
  });

  it('names a cluster no window outside a freeze lets start, and one that did not run', () => {
    const fleet = fleetOf({
      a1: {},
      a2: {},
      b1: {},
      b2: { freezes: [{ from: '2025-01-01T00:00:00Z', to: '2028-01-01T00:00:00Z', reason: 'forever' }] },
    });
    const e = fleetEstimate(fleet, [...measured.slice(0, 3), rehearsed('b2', null)], {
      nowMs: MONDAY,
      timeScale: 60,
      fleetGates: 0,
    });
    expect(e.neverStarts).toEqual(['b2']);
    expect(e.unmeasured).toEqual(['b2']);
    expect(e.seconds).toBe(900 + 3600 + 300);
  });
});

describe('the exit code of a fleet rehearsal', () => {
  const status = (outcome: FleetStatus['outcome'], states: FleetClusterState[]) =>
    ({ outcome, clusters: states.map((state) => ({ state })) }) as FleetStatus;
  it('is 0 when every cluster completed, 1 for a failure or halt, 3 when only prechecks refused', () => {
    expect(fleetExitCode(status('completed', ['completed', 'completed']))).toBe(0);
    expect(fleetExitCode(status('halted', ['completed', 'rolled-back', 'not-started']))).toBe(1);
    expect(fleetExitCode(status('halted', ['completed', 'failed']))).toBe(1);
    expect(fleetExitCode(status('halted', ['refused', 'not-started']))).toBe(3);
    expect(fleetExitCode(status('halted', ['refused', 'rolled-back']))).toBe(1);
    expect(fleetExitCode(status('completed', ['completed', 'partial']))).toBe(1);
  });
});
