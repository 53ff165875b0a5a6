import { describe, expect, it } from 'vitest';
import { clusterSpecInput, defaultTaskQueue, parseFleet, scheduleOf } from '../../../core/fleet/spec.js';
import type { FleetSpecInput } from '../../../core/fleet/spec.js';
import { formatProblems } from '../../../core/spec/parse.js';

function fleet(overrides: Partial<FleetSpecInput> = {}): FleetSpecInput {
  return {
    name: 'mesh-1-27',
    target: '1.27.3',
    upgrade: {
      install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision' },
      version: { target: '9.9.9' },
      scope: { namespaces: ['bookinfo'] },
      approvals: { approvers: ['alice', 'bob'] },
    },
    clusters: {
      staging: { context: 'kind-staging' },
      'prod-a': {
        context: 'kind-prod-a',
        windows: [{ days: ['tue', 'thu'], start: '02:00', duration: '4h', timeZone: 'Europe/Berlin' }],
        freezes: [{ from: '2026-12-21T00:00:00Z', to: '2027-01-04T00:00:00Z', reason: 'holidays' }],
        overrides: { scope: { namespaces: ['shop', 'payments'] } },
      },
      'prod-b': { context: 'kind-prod-b', taskQueue: 'mesh-prod-b' },
    },
    stages: [
      { name: 'staging', clusters: ['staging'], bake: '1h' },
      { name: 'prod', clusters: ['prod-a', 'prod-b'], concurrency: 2 },
    ],
    approvals: { approvers: ['alice', 'bob'] },
    ...overrides,
  };
}

function problems(input: unknown): string[] {
  const result = parseFleet(input);
  if (result.ok) throw new Error('expected the fleet to be refused');
  return formatProblems(result.problems).split('\n');
}

describe('the fleet spec', () => {
  it('merges the shared upgrade spec with each cluster: its name, context, overrides and the fleet target', () => {
    const result = parseFleet(fleet());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.specs['prod-a']?.scope.namespaces).toEqual(['shop', 'payments']);
    expect(result.specs.staging?.scope.namespaces).toEqual(['bookinfo']);
    expect(result.specs['prod-a']?.cluster).toEqual({ name: 'prod-a', context: 'kind-prod-a' });
    // The fleet's target wins over whatever the shared spec says.
    expect(result.specs['prod-b']?.version.target).toBe('1.27.3');
    expect(result.fleet.stages.map((s) => [s.name, s.concurrency, s.gate, s.bake, s.allowedFailures])).toEqual([
      ['staging', 1, true, 3600, 0],
      ['prod', 2, true, 0, 0],
    ]);
    expect(result.fleet.clusters['prod-b']?.taskQueue).toBe('mesh-prod-b');
    expect(defaultTaskQueue('prod-a')).toBe('istio-upgrades-prod-a');
    const schedule = scheduleOf(result.fleet.clusters['prod-a']!);
    expect(schedule.windows[0]?.durationSeconds).toBe(4 * 3600);
    expect(schedule.freezes[0]).toEqual({
      fromMs: Date.parse('2026-12-21T00:00:00Z'),
      toMs: Date.parse('2027-01-04T00:00:00Z'),
      reason: 'holidays',
    });
  });

  it('keeps the shared spec unchanged when a cluster overrides part of a section', () => {
    const input = fleet();
    const spec = clusterSpecInput(parseFleetOrThrow(input), 'prod-a');
    expect(spec.scope).toEqual({ namespaces: ['shop', 'payments'] });
    expect((input.upgrade as { scope: unknown }).scope).toEqual({ namespaces: ['bookinfo'] });
  });

  it('refuses a cluster in two stages, an unknown cluster, a cluster in no stage and an empty stage', () => {
    expect(
      problems(
        fleet({
          stages: [
            { name: 'staging', clusters: ['staging', 'prod-a'] },
            { name: 'prod', clusters: ['prod-a', 'prod-c'] },
            { name: 'empty', clusters: [] },
          ],
        }),
      ),
    ).toEqual([
      'stages[2].clusters: expected at least one cluster in a stage',
      'stages[1].clusters[0]: cluster "prod-a" is already in stage "staging": a cluster belongs to one stage',
      'stages[1].clusters[1]: unknown cluster "prod-c" (not under clusters)',
      'clusters.prod-b: in no stage: it would never upgrade',
    ]);
    expect(
      problems(
        fleet({
          stages: [
            { name: 'staging', clusters: ['staging', 'prod-a'] },
            { name: 'prod', clusters: ['prod-a', 'prod-c'] },
          ],
        }),
      ),
    ).toEqual([
      'stages[1].clusters[0]: cluster "prod-a" is already in stage "staging": a cluster belongs to one stage',
      'stages[1].clusters[1]: unknown cluster "prod-c" (not under clusters)',
      'clusters.prod-b: in no stage: it would never upgrade',
    ]);
  });

  it('refuses malformed and overlapping windows, naming the window', () => {
    const cluster = (windows: unknown[]): FleetSpecInput =>
      fleet({ clusters: { ...fleet().clusters, staging: { windows } } as FleetSpecInput['clusters'] });
    expect(problems(cluster([{ days: ['tuesday'], start: '2am', duration: '0s', timeZone: 'Mars/Olympus' }]))).toEqual([
      'clusters.staging.windows[0].days[0]: expected one of mon, tue, wed, thu, fri, sat, sun',
      'clusters.staging.windows[0].start: expected a time like "02:00" (24 h)',
      'clusters.staging.windows[0].duration: expected a duration longer than 0s and at most 7d',
      'clusters.staging.windows[0].timeZone: expected an IANA time zone like "Europe/Berlin"',
    ]);
    expect(
      problems(
        cluster([
          { days: ['tue'], start: '02:00', duration: '4h', timeZone: 'Europe/Berlin' },
          { days: ['tue'], start: '05:00', duration: '1h', timeZone: 'Europe/Berlin' },
        ]),
      ),
    ).toEqual(['clusters.staging.windows[1]: overlaps window 0: merge them into one']);
  });

  it('refuses a freeze without an offset or ending before it starts', () => {
    const withFreeze = (freeze: unknown): FleetSpecInput =>
      fleet({ clusters: { ...fleet().clusters, staging: { freezes: [freeze] } } as FleetSpecInput['clusters'] });
    expect(problems(withFreeze({ from: '2026-12-21', to: '2027-01-04T00:00:00Z', reason: 'x' }))[0]).toMatch(
      /^clusters\.staging\.freezes\[0\]\.from: expected an ISO time with its offset/,
    );
    expect(problems(withFreeze({ from: '2027-01-04T00:00:00Z', to: '2026-12-21T00:00:00Z', reason: 'x' }))).toEqual([
      'clusters.staging.freezes[0].to: expected "to" after "from"',
    ]);
  });

  it('refuses two clusters on one task queue and unknown fields', () => {
    const clusters = { ...fleet().clusters, staging: { taskQueue: 'mesh-prod-b', colour: 'red' } };
    expect(problems(fleet({ clusters }))).toEqual([
      'clusters.staging.colour: unknown field',
      'clusters.prod-b.taskQueue: task queue "mesh-prod-b" is also staging\'s: each cluster needs a worker of its own',
    ]);
    const shared = { ...fleet().clusters, staging: { taskQueue: 'mesh-prod-b' } };
    expect(problems(fleet({ clusters: shared }))).toEqual([
      'clusters.prod-b.taskQueue: task queue "mesh-prod-b" is also staging\'s: each cluster needs a worker of its own',
    ]);
  });

  it("names a cluster's upgrade spec problem with the cluster", () => {
    const clusters = { ...fleet().clusters, staging: { overrides: { restarts: { concurrency: 'five' } } } };
    expect(problems(fleet({ clusters }))).toEqual([
      'clusters.staging (upgrade spec) restarts.concurrency: Invalid input: expected number, received string',
    ]);
  });
});

function parseFleetOrThrow(input: FleetSpecInput) {
  const result = parseFleet(input);
  if (!result.ok) throw new Error(formatProblems(result.problems));
  return result.fleet;
}
