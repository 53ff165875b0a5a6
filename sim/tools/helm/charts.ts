/**
 * Istio's Helm charts, rendered with the sim's shared manifest builders: `base` (cluster-wide
 * CRDs and a validator the sim does not model, so nothing namespaced), `istiod` (a control
 * plane revision, plus `revisionTags`), `cni`, `ztunnel` and `gateway`. The chart version is
 * the Istio version.
 */
import type { KubeObject } from '../../api/object.js';
import { controlPlaneObjects, gatewayObjects, nodeAgentDaemonSet, tagWebhook } from '../../istio/manifests.js';
import { ToolError } from '../cli/tool-error.js';
import type { Workload } from '../kube/rollout.js';
import { isValues, type Values } from './values.js';

export const CHARTS = ['base', 'istiod', 'cni', 'ztunnel', 'gateway'] as const;
export type ChartName = (typeof CHARTS)[number];

const REPO_URL = 'https://istio-release.storage.googleapis.com/charts';

/** `istio/istiod`, `istiod` or an OCI reference ending in `/istiod`. */
export function chartName(ref: string, version: string): ChartName {
  const slash = ref.lastIndexOf('/');
  const repo = ref.startsWith('oci://') || slash < 0 ? undefined : ref.slice(0, slash);
  if (repo !== undefined && repo !== 'istio') throw new ToolError(`repo ${repo} not found`);
  const name = ref.slice(slash + 1);
  if (!(CHARTS as readonly string[]).includes(name))
    throw new ToolError(`chart "${name}" version "${version}" not found in ${REPO_URL} repository`);
  return name as ChartName;
}

/**
 * Chart versions the stand-in's repository lacks, as `istiod@1.28.3` (one chart) or `1.28.3`
 * (every chart), comma-separated: a repository index that was not updated since the release.
 */
export const ABSENT_CHART_VERSIONS_ENV = 'SIM_HELM_ABSENT_CHART_VERSIONS';

/** Fails as helm does when the repository index has no such chart version. */
export function requireChartVersion(
  chart: ChartName,
  version: string,
  absent = process.env[ABSENT_CHART_VERSIONS_ENV] ?? '',
): void {
  const missing = absent
    .split(',')
    .map((entry) => entry.trim())
    .some((entry) => entry === version || entry === `${chart}@${version}`);
  if (missing)
    throw new ToolError(`chart "${chart}" matching ${version} not found in istio index. (try 'helm repo update')`);
}

const text = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;

export function renderChart(
  chart: ChartName,
  release: string,
  namespace: string,
  version: string,
  values: Values,
): KubeObject[] {
  switch (chart) {
    case 'base':
      return [];
    case 'istiod': {
      const revision = text(values.revision) ?? 'default';
      const pilot = isValues(values.pilot) ? values.pilot : {};
      const env = isValues(pilot.env) ? pilot.env : {};
      const compatibilityVersion = text(values.compatibilityVersion);
      const install = {
        revision,
        version,
        namespace,
        installer: 'helm' as const,
        ambient: values.profile === 'ambient',
        ...(compatibilityVersion === undefined ? {} : { compatibilityVersion }),
        ...(isValues(values.meshConfig) ? { meshConfig: values.meshConfig } : {}),
      };
      const objects = controlPlaneObjects(install);
      const extraEnv = Object.entries(env).map(([name, value]) => ({ name, value: String(value) }));
      if (extraEnv.length) {
        for (const o of objects) {
          if (o.kind !== 'Deployment') continue;
          const c = (
            o.spec as { template: { spec: { containers: Array<{ env?: Array<{ name: string; value: string }> }> } } }
          ).template.spec.containers[0];
          if (c) c.env = [...(c.env ?? []).filter((e) => !extraEnv.some((x) => x.name === e.name)), ...extraEnv];
        }
      }
      const tags = Array.isArray(values.revisionTags) ? values.revisionTags.map(String) : [];
      return [...objects, ...tags.map((t) => tagWebhook(t, install))];
    }
    case 'cni':
      return [nodeAgentDaemonSet('istio-cni', namespace, version, 'helm')];
    case 'ztunnel':
      return [nodeAgentDaemonSet('ztunnel', namespace, version, 'helm')];
    case 'gateway': {
      const replicas = typeof values.replicaCount === 'number' ? values.replicaCount : 1;
      return gatewayObjects({
        name: text(values.name) ?? release,
        namespace,
        replicas,
        revision: text(values.revision) ?? 'default',
        installer: 'helm',
      });
    }
  }
}

export function chartWorkloads(objects: readonly KubeObject[]): Workload[] {
  return objects.flatMap((o): Workload[] =>
    o.kind === 'Deployment' || o.kind === 'DaemonSet'
      ? [{ kind: o.kind, namespace: o.metadata.namespace ?? '', name: o.metadata.name }]
      : [],
  );
}

/** Cluster-scoped objects have no namespace; everything else lands in the release's. */
export const objectKey = (o: KubeObject): string =>
  `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
