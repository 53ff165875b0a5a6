/**
 * Helm adapters. `helm upgrade --install` is already convergent, but every run still adds a
 * release revision and may restart pods, so the release is compared first: same chart version,
 * same values and `deployed` means there is nothing to do.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { failure } from '../failure.js';
import type { ToolsConfig } from '../tools/config.js';
import { resolveTool } from '../tools/resolve.js';
import { runTool } from '../tools/run.js';

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

export interface HelmChange {
  changed: boolean;
  /** The release revision after the call. */
  revision: number | null;
}

/** Deep equality of plain JSON values, key order ignored. */
export function sameValues(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => sameValues((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function parseJson<T>(text: string, what: string): T {
  try {
    return JSON.parse(text === '' ? 'null' : text) as T;
  } catch {
    throw failure('CommandFailed', `${what}: output is not JSON`);
  }
}

export function createHelmActivities(tools: ToolsConfig) {
  const helm = (version: string) => resolveTool('helm', version, tools);

  async function findRelease(binary: string, release: string, namespace: string): Promise<HelmRelease | null> {
    const { stdout } = await runTool(binary, ['list', '--namespace', namespace, '--all', '--filter', `^${release}$`, '--output', 'json'], tools);
    const releases = parseJson<HelmRelease[] | null>(stdout, 'helm list') ?? [];
    return releases.find((r) => r.name === release) ?? null;
  }

  return {
    helmUpgradeInstall: async (input: HelmReleaseInput): Promise<HelmChange> => {
      const binary = helm(input.version);
      const wanted = input.values ?? {};
      const existing = await findRelease(binary, input.release, input.namespace);
      const chartVersion = input.version.replace(/^v/, '');
      if (existing?.status === 'deployed' && existing.chart.endsWith(`-${chartVersion}`)) {
        const { stdout } = await runTool(binary, ['get', 'values', input.release, '--namespace', input.namespace, '--output', 'json'], tools);
        if (sameValues(parseJson<unknown>(stdout, 'helm get values') ?? {}, wanted)) return { changed: false, revision: Number(existing.revision) };
      }
      // Values go through a private file: on the command line they would show in `ps` and in failures.
      const dir = await mkdtemp(join(tmpdir(), 'helm-values-'));
      try {
        const file = join(dir, 'values.json');
        await writeFile(file, JSON.stringify(wanted), { mode: 0o600 });
        const args = ['upgrade', '--install', input.release, input.chart, '--namespace', input.namespace, '--version', chartVersion, '--values', file];
        if (input.waitSeconds !== undefined) args.push('--wait', '--timeout', `${input.waitSeconds}s`);
        await runTool(binary, args, tools, input.waitSeconds === undefined ? {} : { timeoutMs: (input.waitSeconds + 60) * 1000 });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      const after = await findRelease(binary, input.release, input.namespace);
      return { changed: true, revision: after === null ? null : Number(after.revision) };
    },

    helmUninstall: async (input: { version: string; release: string; namespace: string }): Promise<HelmChange> => {
      const binary = helm(input.version);
      if ((await findRelease(binary, input.release, input.namespace)) === null) return { changed: false, revision: null };
      await runTool(binary, ['uninstall', input.release, '--namespace', input.namespace], tools);
      return { changed: true, revision: null };
    },
  };
}
