/**
 * The fleet spec (`fleet.yaml`): one target version, one shared upgrade spec with per-cluster
 * overrides, and the clusters in stages (staging, then a production canary, then production),
 * each stage with its concurrency, a gate before it, a bake time after it and a failure policy.
 * Per cluster: where its worker listens (a task queue of its own, so credentials stay in the
 * cluster) and when it may start (weekly maintenance windows in a time zone, freeze periods).
 *
 * Validation is as strict as the upgrade spec's and names each field, and every cluster's merged
 * upgrade spec is validated too, under `clusters.<name>.…`, so a fleet never starts with one
 * cluster that would be refused halfway through.
 */
import { z } from 'zod';
import { parseDuration } from '../spec/duration.js';
import { parseSpec } from '../spec/parse.js';
import type { SpecProblem } from '../spec/parse.js';
import type { Spec, SpecInput } from '../spec/schema.js';
import { tryParseVersion } from '../version.js';
import { isTimeZone, overlappingWindows, parseClock, WEEKDAYS } from './windows.js';
import type { Freeze, MaintenanceWindow } from './windows.js';

const name = z.string({ error: 'expected a name' }).regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
  error: 'expected a lowercase name (letters, digits and "-")',
});

const duration = z
  .string({ error: 'expected a duration like "1h"' })
  .refine((text) => parseDuration(text) !== null, { error: 'expected a duration like "24h", "10m" or "1h30m"' })
  .transform((text) => parseDuration(text) ?? 0);

const windowSchema = z.strictObject({
  days: z
    .array(z.enum(WEEKDAYS, { error: `expected one of ${WEEKDAYS.join(', ')}` }))
    .min(1, { error: 'expected at least one day' }),
  start: z.string().refine((text) => parseClock(text) !== null, { error: 'expected a time like "02:00" (24 h)' }),
  duration: duration.refine((seconds) => seconds > 0 && seconds <= 7 * 86_400, {
    error: 'expected a duration longer than 0s and at most 7d',
  }),
  timeZone: z.string().refine(isTimeZone, { error: 'expected an IANA time zone like "Europe/Berlin"' }),
});

const instant = z
  .string({ error: 'expected a time like "2026-12-21T00:00:00Z"' })
  .refine((text) => /(Z|[+-]\d\d:\d\d)$/.test(text) && !Number.isNaN(Date.parse(text)), {
    error: 'expected an ISO time with its offset, like "2026-12-21T00:00:00Z" or "2026-12-21T00:00:00+01:00"',
  })
  .transform((text) => Date.parse(text));

const freezeSchema = z
  .strictObject({ from: instant, to: instant, reason: z.string().min(1, { error: 'expected a reason' }) })
  .refine((freeze) => freeze.to > freeze.from, { error: 'expected "to" after "from"', path: ['to'] });

/**
 * What a cluster may change in the shared upgrade spec: how Istio was installed there, what it
 * moves, how it tests and measures, where it reports. Not the gates or the approvers: the fleet's
 * four eyes are the same everywhere.
 */
const overridesSchema = z.strictObject({
  install: z.record(z.string(), z.unknown()).optional(),
  notifications: z.record(z.string(), z.unknown()).optional(),
  scope: z.record(z.string(), z.unknown()).optional(),
  tests: z.record(z.string(), z.unknown()).optional(),
  analysis: z.record(z.string(), z.unknown()).optional(),
  restarts: z.record(z.string(), z.unknown()).optional(),
  timers: z.record(z.string(), z.unknown()).optional(),
});

const clusterSchema = z.strictObject({
  /** kubeconfig context `fleet plan` reads it through; the cluster's worker uses its own credentials. */
  context: z.string().min(1).optional(),
  /** The task queue its worker serves; default `istio-upgrades-<cluster>`. */
  taskQueue: z.string().min(1).max(255).optional(),
  windows: z.array(windowSchema).default([]),
  freezes: z.array(freezeSchema).default([]),
  overrides: overridesSchema.default({}),
});

const stageSchema = z.strictObject({
  name,
  clusters: z.array(name).min(1, { error: 'expected at least one cluster in a stage' }),
  /** Clusters upgraded at once. */
  concurrency: z.number().int().min(1).max(50).default(1),
  /** An approval before the stage starts (four eyes, as upgrade gates). The first stage's gate is the fleet's start. */
  gate: z.boolean().default(true),
  /** Durable wait after the stage, before the next may start. */
  bake: duration.default(0),
  /** Failed, rolled-back or partial clusters the stage tolerates before the fleet halts. 0: halt on the first. */
  allowedFailures: z.number().int().min(0).default(0),
  /** Once the stage halts: let its running upgrades finish (each at its own gates), or abort them (they roll back). */
  onHalt: z
    .enum(['let-running-finish', 'abort-running'], { error: 'expected let-running-finish or abort-running' })
    .default('let-running-finish'),
});

export const fleetSchema = z
  .strictObject({
    /** The fleet's id: workflow `istio-fleet-<name>`, search attribute `FleetId`. */
    name,
    target: z
      .string({ error: 'expected a version like "1.27.3"' })
      .refine((text) => tryParseVersion(text) !== null, { error: 'expected a version like "1.27.3"' })
      .transform((text) => text.trim().replace(/^v/, '')),
    /** The upgrade spec shared by every cluster (as in an upgrade spec file, without `version.target`). */
    upgrade: z.record(z.string(), z.unknown()),
    clusters: z.record(name, clusterSchema).refine((clusters) => Object.keys(clusters).length > 0, {
      error: 'expected at least one cluster',
    }),
    stages: z.array(stageSchema).min(1, { error: 'expected at least one stage' }),
    approvals: z
      .strictObject({
        approvers: z.array(z.string().min(1)).default([]),
        allowSelfApproval: z.boolean().default(false),
      })
      .prefault({}),
  })
  .superRefine((fleet, ctx) => {
    const stageOf = new Map<string, string>();
    const stageNames = new Set<string>();
    fleet.stages.forEach((stage, index) => {
      if (stageNames.has(stage.name))
        ctx.addIssue({ code: 'custom', path: ['stages', index, 'name'], message: `stage "${stage.name}" twice` });
      stageNames.add(stage.name);
      stage.clusters.forEach((cluster, position) => {
        const path = ['stages', index, 'clusters', position];
        if (!(cluster in fleet.clusters))
          ctx.addIssue({ code: 'custom', path, message: `unknown cluster "${cluster}" (not under clusters)` });
        const earlier = stageOf.get(cluster);
        if (earlier !== undefined)
          ctx.addIssue({
            code: 'custom',
            path,
            message: `cluster "${cluster}" is already in stage "${earlier}": a cluster belongs to one stage`,
          });
        else stageOf.set(cluster, stage.name);
      });
    });
    for (const cluster of Object.keys(fleet.clusters))
      if (!stageOf.has(cluster))
        ctx.addIssue({ code: 'custom', path: ['clusters', cluster], message: 'in no stage: it would never upgrade' });
    const queues = new Map<string, string>();
    for (const [cluster, settings] of Object.entries(fleet.clusters)) {
      const queue = settings.taskQueue ?? defaultTaskQueue(cluster);
      const other = queues.get(queue);
      if (other !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['clusters', cluster, 'taskQueue'],
          message: `task queue "${queue}" is also ${other}'s: each cluster needs a worker of its own`,
        });
      queues.set(queue, cluster);
      const overlap = overlappingWindows(settings.windows.map(toWindow), Date.UTC(2026, 0, 5));
      if (overlap !== null)
        ctx.addIssue({
          code: 'custom',
          path: ['clusters', cluster, 'windows', overlap[1]],
          message:
            overlap[0] === overlap[1]
              ? 'overlaps its own next opening: shorten the duration'
              : `overlaps window ${overlap[0]}: merge them into one`,
        });
    }
  });

export type FleetSpec = z.output<typeof fleetSchema>;
export type FleetSpecInput = z.input<typeof fleetSchema>;
export type FleetCluster = FleetSpec['clusters'][string];
export type FleetStage = FleetSpec['stages'][number];

export function defaultTaskQueue(cluster: string): string {
  return `istio-upgrades-${cluster}`;
}

function toWindow(window: z.output<typeof windowSchema>): MaintenanceWindow {
  return { days: window.days, start: window.start, durationSeconds: window.duration, timeZone: window.timeZone };
}

/** A cluster's schedule in the form core/fleet/windows.ts reads. */
export function scheduleOf(cluster: FleetCluster): { windows: MaintenanceWindow[]; freezes: Freeze[] } {
  return {
    windows: cluster.windows.map(toWindow),
    freezes: cluster.freezes.map((freeze) => ({ fromMs: freeze.from, toMs: freeze.to, reason: freeze.reason })),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Objects merge key by key; anything else in the override replaces the shared value. */
function merge(base: unknown, override: unknown): unknown {
  if (!isRecord(base) || !isRecord(override)) return override === undefined ? base : override;
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) result[key] = merge(base[key], value);
  return result;
}

/** The upgrade spec one cluster runs: shared spec, its overrides, its name and context, the fleet's target. */
export function clusterSpecInput(fleet: FleetSpec, cluster: string): SpecInput {
  const settings = fleet.clusters[cluster];
  const merged = merge(fleet.upgrade, settings?.overrides ?? {}) as Record<string, unknown>;
  const version = isRecord(merged.version) ? merged.version : {};
  const clusterField = isRecord(merged.cluster) ? merged.cluster : {};
  return {
    ...merged,
    cluster: { ...clusterField, name: cluster, ...(settings?.context !== undefined && { context: settings.context }) },
    version: { ...version, target: fleet.target },
  } as SpecInput;
}

export type FleetResult =
  { ok: true; fleet: FleetSpec; specs: Record<string, Spec> } | { ok: false; problems: SpecProblem[] };

/** Validates the fleet, then each cluster's merged upgrade spec; every problem names its field. */
export function parseFleet(input: unknown): FleetResult {
  const result = fleetSchema.safeParse(input, { reportInput: true });
  if (!result.success) return { ok: false, problems: result.error.issues.flatMap(fleetProblems) };
  const fleet = result.data;
  const problems: SpecProblem[] = [];
  const specs: Record<string, Spec> = {};
  for (const cluster of Object.keys(fleet.clusters)) {
    const parsed = parseSpec(clusterSpecInput(fleet, cluster));
    if (parsed.ok) specs[cluster] = parsed.spec;
    else
      for (const problem of parsed.problems)
        problems.push({ path: `clusters.${cluster} (upgrade spec) ${problem.path}`, message: problem.message });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, fleet, specs };
}

/** Problems named the way the upgrade spec names them: `stages[1].clusters[0]`, one per unknown key. */
function fleetProblems(issue: z.core.$ZodIssue): SpecProblem[] {
  const path = issue.path
    .map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`))
    .join('');
  if (issue.code === 'unrecognized_keys')
    return issue.keys.map((key) => ({ path: path === '' ? key : `${path}.${key}`, message: 'unknown field' }));
  if (issue.code === 'invalid_type' && issue.input === undefined)
    return [{ path: path || '(fleet)', message: `required, missing (expected ${issue.expected})` }];
  return [{ path: path || '(fleet)', message: issue.message }];
}
