/**
 * `snapshot --kubeconfig f [--context c] --out scenario.yaml`: read a cluster (list calls only)
 * and write it as a scenario the simulator loads as it is, so an upgrade can be rehearsed on a
 * copy of production. Never a Secret's content, never ConfigMap data beyond the mesh config
 * fields the prechecks read.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { cliFailure, messageOf } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { loadKubeConfig } from '../kubeconfig.js';
import { observeCluster } from '../snapshot/observe.js';
import { scenarioFromCluster, type SnapshotScenario } from '../snapshot/scenario.js';

export interface SnapshotOptions {
  kubeconfig?: string;
  context?: string;
  out?: string;
  /** Where istiod runs. */
  istioNamespace?: string;
  name?: string;
}

/** Reads the cluster and builds the scenario; shared by `snapshot` and `rehearse --kubeconfig`. */
export async function snapshotCluster(options: SnapshotOptions): Promise<SnapshotScenario & { yaml: string }> {
  const kubeConfig = await loadKubeConfig(options);
  const context = kubeConfig.getCurrentContext() || 'cluster';
  let observed;
  try {
    observed = await observeCluster(kubeConfig, options.istioNamespace ?? 'istio-system');
  } catch (err) {
    const server = kubeConfig.getCurrentCluster()?.server ?? 'no server';
    throw cliFailure(
      `the cluster is not reachable at ${server} (context ${context}): ${messageOf(err)}; check --kubeconfig and --context`,
      err,
    );
  }
  const name = options.name ?? `snapshot-${context}`.toLowerCase().replace(/[^a-z0-9.-]+/g, '-');
  const snapshot = scenarioFromCluster(
    observed,
    name,
    `Snapshot of context ${context} read at ${observed.inventory.observedAt} by istio-upgrade snapshot`,
  );
  const header = [
    `# ${String(snapshot.scenario.description)}.`,
    '# A scenario for the simulator (npm run sim -- --scenario <this file>, istio-upgrade rehearse --scenario <this file>).',
    '# No Secret content and no ConfigMap data beyond the mesh config fields the prechecks read.',
    ...(snapshot.notes.length > 0
      ? ['# Not expressible in a scenario, so approximated:', ...snapshot.notes.map((note) => `#   - ${note}`)]
      : []),
  ];
  return { ...snapshot, yaml: `${header.join('\n')}\n${stringify(snapshot.scenario, { lineWidth: 0 })}` };
}

export async function runSnapshot(options: SnapshotOptions): Promise<number> {
  const snapshot = await snapshotCluster(options);
  if (options.out === undefined) {
    process.stdout.write(snapshot.yaml);
  } else {
    const out = resolve(options.out);
    try {
      await writeFile(out, snapshot.yaml);
    } catch (err) {
      throw cliFailure(`cannot write the scenario to ${out}: ${messageOf(err)}`, err);
    }
    const namespaces = (snapshot.scenario.namespaces as unknown[]).length;
    console.log(
      `scenario ${String(snapshot.scenario.name)} written to ${out} (${namespaces} namespace(s)${snapshot.notes.length > 0 ? `, ${snapshot.notes.length} note(s) at its top` : ''})`,
    );
  }
  for (const note of snapshot.notes) console.error(`note: ${note}`);
  return EXIT.ok;
}
