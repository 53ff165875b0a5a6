/**
 * Where each cluster of a rehearsed fleet comes from, read from the command line before anything
 * starts: `--scenario <cluster>=<file>`, or a snapshot of the real cluster (read-only) through
 * `--context <cluster>=<context>` or the fleet spec's `clusters.<cluster>.context`, in
 * `--kubeconfig <file>` (every cluster) or `--kubeconfig <cluster>=<file>` (that one), else the
 * default kubeconfig; `--faults <cluster>=<file>` per cluster. A cluster with no source, a flag
 * naming no cluster of the fleet, or two sources for one cluster are usage errors naming them.
 */
import type { FleetSpec } from '../../core/fleet/spec.js';
import type { SpecProblem } from '../../core/spec/parse.js';
import { invalidInput } from '../errors.js';

export type ClusterSource =
  | { kind: 'scenario'; scenario: string; faults?: string }
  | { kind: 'snapshot'; kubeconfig?: string; context?: string; faults?: string };

export interface FleetSourceFlags {
  scenario?: string[];
  kubeconfig?: string[];
  context?: string[];
  faults?: string[];
}

/** `what` of a source, as the printout names it. */
export function describeSource(source: ClusterSource): string {
  const faults = source.faults === undefined ? '' : `, faults ${source.faults}`;
  if (source.kind === 'scenario') return `scenario ${source.scenario}${faults}`;
  return `snapshot (read-only) of ${source.context === undefined ? 'the current context' : `context ${source.context}`} in ${source.kubeconfig ?? 'the default kubeconfig'}${faults}`;
}

export function clusterSources(fleet: FleetSpec, flags: FleetSourceFlags): Record<string, ClusterSource> {
  const names = Object.keys(fleet.clusters);
  const problems: SpecProblem[] = [];
  const expected = (flag: string, what: string, got: string) =>
    problems.push({
      path: flag,
      message: `expected <cluster>=<${what}> naming a cluster of the fleet (${names.join(', ')}), got "${got}"`,
    });
  /** Values of a per-cluster flag by cluster; `shared` collects values that name no cluster, where allowed. */
  const perCluster = (flag: string, what: string, values: string[] = [], shared?: string[]) => {
    const result = new Map<string, string>();
    for (const value of values) {
      const at = value.indexOf('=');
      const cluster = at < 0 ? '' : value.slice(0, at);
      const rest = at < 0 ? '' : value.slice(at + 1);
      if (!names.includes(cluster) || rest === '') {
        if (shared !== undefined) shared.push(value);
        else expected(flag, what, value);
      } else if (result.has(cluster))
        problems.push({
          path: flag,
          message: `cluster ${cluster} given twice ("${result.get(cluster) ?? ''}", "${rest}")`,
        });
      else result.set(cluster, rest);
    }
    return result;
  };
  const sharedKubeconfigs: string[] = [];
  const scenarios = perCluster('--scenario', 'scenario file', flags.scenario);
  const contexts = perCluster('--context', 'context', flags.context);
  const faults = perCluster('--faults', 'faults file', flags.faults);
  const kubeconfigs = perCluster('--kubeconfig', 'kubeconfig file', flags.kubeconfig, sharedKubeconfigs);
  if (sharedKubeconfigs.length > 1)
    problems.push({
      path: '--kubeconfig',
      message: `one kubeconfig for every cluster, or <cluster>=<file> per cluster; got ${sharedKubeconfigs.map((k) => `"${k}"`).join(', ')}`,
    });
  const shared = sharedKubeconfigs[0];

  const sources: Record<string, ClusterSource> = {};
  const missing: string[] = [];
  for (const name of names) {
    const fault = faults.get(name);
    const withFaults = fault === undefined ? {} : { faults: fault };
    const scenario = scenarios.get(name);
    const context = contexts.get(name) ?? fleet.clusters[name]?.context;
    const kubeconfig = kubeconfigs.get(name) ?? shared;
    if (scenario !== undefined) {
      if (contexts.has(name) || kubeconfigs.has(name))
        problems.push({
          path: '--scenario',
          message: `cluster ${name} has a scenario and a cluster to snapshot (--context/--kubeconfig ${name}=…): give one`,
        });
      sources[name] = { kind: 'scenario', scenario, ...withFaults };
    } else if (context !== undefined || kubeconfigs.has(name))
      sources[name] = {
        kind: 'snapshot',
        ...(kubeconfig !== undefined && { kubeconfig }),
        ...(context !== undefined && { context }),
        ...withFaults,
      };
    else missing.push(name);
  }
  if (missing.length > 0)
    problems.push({
      path: '--scenario',
      message: `no source for cluster${missing.length === 1 ? '' : 's'} ${missing.join(', ')}: give ${missing.map((m) => `--scenario ${m}=<scenario.yaml>`).join(' ')}, or a context to snapshot (--context ${missing[0] ?? ''}=<context>, or clusters.${missing[0] ?? ''}.context in the fleet spec)`,
    });
  if (problems.length > 0) throw invalidInput(problems, { heading: 'rehearse: a fleet needs one source per cluster' });
  return sources;
}
