/**
 * Helm adapters. `helm upgrade --install` is already convergent, but every run still adds a
 * release revision and may restart pods, so the release is compared first: same chart version,
 * same values and `deployed` means there is nothing to do. Every call names the worker's
 * kubeconfig and context.
 *
 * A helm killed mid-upgrade (worker crash, activity timeout) leaves the release
 * `pending-upgrade`, and helm refuses every later upgrade. Each upgrade is tagged with the
 * activity that ran it (`--description`), so a retry recognises a pending release as its own
 * and recovers it: back to the last deployed revision (or uninstalled, if it never deployed),
 * then upgraded again. A release pending from anyone else is left alone.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { currentContext } from '../context.js';
import { activityFailure } from '../failure.js';
import { clusterArgs, type ToolsConfig } from '../tools/config.js';
import { resolveTool } from '../tools/resolve.js';
import { runTool, type RunOptions, type RunResult } from '../tools/run.js';

export interface HelmReleaseInput {
  /** The Istio version the chart belongs to (chart versions follow Istio's). */
  version: string;
  release: string;
  /** `istio/istiod`, an OCI reference, or a path. */
  chart: string;
  namespace: string;
  values?: Record<string, unknown>;
  /** Passed to `--wait --timeout`; helm then waits for the workloads itself. */
  waitSeconds?: number;
}

/** A row of `helm list -o json`; helm prints the revision as a string. */
export interface HelmRelease {
  name: string;
  namespace: string;
  revision: string | number;
  status: string;
  /** `istiod-1.28.0`: chart name and version joined by a dash. */
  chart: string;
  app_version: string;
}

/** A row of `helm history -o json`. */
interface HelmRevision {
  revision: number;
  status: string;
  description: string;
}

export interface HelmChange {
  changed: boolean;
  /** The release revision after the call. */
  revision: number | null;
  /** Set when a release left pending by an earlier attempt of this activity was recovered first. */
  recovered?: string;
}

/** Deep equality of plain JSON values, key order ignored. */
export function sameValues(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every((k) => sameValues((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

function parseJson<T>(text: string, what: string): T {
  try {
    return JSON.parse(text === '' ? 'null' : text) as T;
  } catch {
    throw activityFailure('CommandFailed', `${what}: output is not JSON`);
  }
}

const RELEASE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function validate(input: {
  release: unknown;
  namespace: unknown;
  chart?: unknown;
  values?: unknown;
  waitSeconds?: unknown;
}): void {
  const bad = (field: string, why: string) =>
    activityFailure('Validation', `helm: ${field}: ${why}`, { details: { field } });
  if (typeof input.release !== 'string' || !RELEASE_NAME.test(input.release) || input.release.length > 53)
    throw bad('release', 'expected a DNS label of at most 53 characters');
  if (typeof input.namespace !== 'string' || !RELEASE_NAME.test(input.namespace))
    throw bad('namespace', 'expected a DNS label');
  if ('chart' in input && (typeof input.chart !== 'string' || input.chart.trim() === ''))
    throw bad('chart', 'expected a chart reference');
  if (
    input.values !== undefined &&
    (typeof input.values !== 'object' || input.values === null || Array.isArray(input.values))
  )
    throw bad('values', 'expected an object');
  if (
    input.waitSeconds !== undefined &&
    (typeof input.waitSeconds !== 'number' || !Number.isInteger(input.waitSeconds) || input.waitSeconds <= 0)
  ) {
    throw bad('waitSeconds', 'expected a positive whole number');
  }
}

/**
 * Who runs this helm operation: the same on every attempt of one activity, different for any
 * other activity or workflow, so a pending release can be told apart as ours or not.
 */
export function operationOwner(): string {
  const info = currentContext()?.info;
  return info === undefined
    ? 'istio-upgrade-runbooks'
    : `istio-upgrade-runbooks ${info.workflowExecution?.workflowId ?? info.activityType}/${info.activityId}`;
}

export function createHelmActivities(tools: ToolsConfig) {
  const helm = (version: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> =>
    runTool(resolveTool('helm', version, tools), [...args, ...clusterArgs('helm', tools)], tools, options);

  async function findRelease(version: string, release: string, namespace: string): Promise<HelmRelease | null> {
    const { stdout } = await helm(version, [
      'list',
      '--namespace',
      namespace,
      '--all',
      '--filter',
      `^${release}$`,
      '--output',
      'json',
    ]);
    const releases = parseJson<HelmRelease[] | null>(stdout, 'helm list') ?? [];
    return releases.find((r) => r.name === release) ?? null;
  }

  /** Brings a release left pending by an earlier attempt back to a state helm upgrades from; returns what was done. */
  async function recoverPending(input: HelmReleaseInput, pending: HelmRelease): Promise<string> {
    const where = `${input.namespace}/${input.release}`;
    const { stdout } = await helm(input.version, [
      'history',
      input.release,
      '--namespace',
      input.namespace,
      '--output',
      'json',
    ]);
    const history = (parseJson<HelmRevision[] | null>(stdout, 'helm history') ?? []).sort(
      (a, b) => a.revision - b.revision,
    );
    const last = history.at(-1);
    if (last === undefined || last.description !== operationOwner()) {
      // Another operator or workflow is (or was) at work: retry later rather than undo what it did.
      throw activityFailure(
        'Conflict',
        `helm release ${where} is ${pending.status} from another operation: ${last?.description ?? 'no description'}`,
        {
          details: { release: where, status: pending.status, revision: last?.revision ?? null },
        },
      );
    }
    const deployed = history.filter((h) => h.status === 'deployed' || h.status === 'superseded').at(-1);
    if (pending.status === 'pending-install' || deployed === undefined) {
      await helm(input.version, ['uninstall', input.release, '--namespace', input.namespace]);
      return `uninstalled ${where}, left ${pending.status} by an earlier attempt`;
    }
    await helm(input.version, ['rollback', input.release, String(deployed.revision), '--namespace', input.namespace]);
    return `rolled ${where} back to revision ${deployed.revision}, left ${pending.status} by an earlier attempt`;
  }

  return {
    helmUpgradeInstall: async (input: HelmReleaseInput): Promise<HelmChange> => {
      validate(input);
      const wanted = input.values ?? {};
      let existing = await findRelease(input.version, input.release, input.namespace);
      let recovered: string | undefined;
      if (existing?.status.startsWith('pending-') === true) {
        recovered = await recoverPending(input, existing);
        existing = await findRelease(input.version, input.release, input.namespace);
      }
      const chartVersion = input.version.replace(/^v/, '');
      const withRecovery = (change: HelmChange): HelmChange =>
        recovered === undefined ? change : { ...change, recovered };
      if (existing?.status === 'deployed' && existing.chart.endsWith(`-${chartVersion}`)) {
        const { stdout } = await helm(input.version, [
          'get',
          'values',
          input.release,
          '--namespace',
          input.namespace,
          '--output',
          'json',
        ]);
        if (sameValues(parseJson<unknown>(stdout, 'helm get values') ?? {}, wanted))
          return withRecovery({ changed: false, revision: Number(existing.revision) });
      }
      // Values go through a private file: on the command line they would show in `ps` and in failures.
      const dir = await mkdtemp(join(tmpdir(), 'helm-values-'));
      try {
        const file = join(dir, 'values.json');
        await writeFile(file, JSON.stringify(wanted), { mode: 0o600 });
        const args = [
          'upgrade',
          '--install',
          input.release,
          input.chart,
          '--namespace',
          input.namespace,
          '--version',
          chartVersion,
          '--values',
          file,
          '--description',
          operationOwner(),
        ];
        if (input.waitSeconds !== undefined) args.push('--wait', '--timeout', `${input.waitSeconds}s`);
        await helm(
          input.version,
          args,
          input.waitSeconds === undefined ? {} : { timeoutMs: (input.waitSeconds + 60) * 1000 },
        );
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      const after = await findRelease(input.version, input.release, input.namespace);
      return withRecovery({ changed: true, revision: after === null ? null : Number(after.revision) });
    },

    /** After an install: each release `deployed` at the chart version of `version`, both named when not. */
    helmVerifyReleases: async (input: {
      version: string;
      releases: { release: string; namespace: string }[];
    }): Promise<{ checked: string[]; wrong: string[] }> => {
      const chartVersion = input.version.replace(/^v/, '');
      const checked: string[] = [];
      const wrong: string[] = [];
      for (const { release, namespace } of input.releases) {
        validate({ release, namespace });
        const found = await findRelease(input.version, release, namespace);
        const where = `Helm release ${namespace}/${release}`;
        if (found === null) wrong.push(`${where} not found, expected chart ${chartVersion}`);
        else if (!found.chart.endsWith(`-${chartVersion}`))
          wrong.push(`${where} is at chart ${found.chart}, expected ${chartVersion}`);
        else if (found.status !== 'deployed') wrong.push(`${where} is ${found.status}, expected deployed`);
        else checked.push(`${where} deployed at ${found.chart}`);
      }
      return { checked, wrong };
    },

    helmUninstall: async (input: { version: string; release: string; namespace: string }): Promise<HelmChange> => {
      validate(input);
      if ((await findRelease(input.version, input.release, input.namespace)) === null)
        return { changed: false, revision: null };
      await helm(input.version, ['uninstall', input.release, '--namespace', input.namespace]);
      return { changed: true, revision: null };
    },
  };
}
