/**
 * What an istioctl step owns, and whether each of those objects is in place. An install owns
 * every object `istioctl manifest generate` renders for the same settings (istiod, its webhooks,
 * ConfigMap and Service, gateways, node agents); an uninstall of a revision owns what istioctl
 * labelled with that revision. Checking only istiod would let a half-finished install (no
 * gateway) or uninstall (webhooks left behind) count as done.
 */
import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { parseAllDocuments } from 'yaml';
import { activityFailure } from '../failure.js';
import { read } from '../kubernetes/call.js';
import type { KubeClients } from '../kubernetes/clients.js';
import { daemonSetRolloutStatus, deploymentRolloutStatus } from '../kubernetes/rollout-status.js';

export interface ManifestObject extends KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  spec?: {
    template?: {
      spec?: { containers?: { name: string; image?: string; env?: { name: string; value?: string }[] }[] };
    };
  };
}

export function parseManifest(yaml: string): ManifestObject[] {
  return parseAllDocuments(yaml)
    .map((doc) => doc.toJS() as unknown)
    .filter((o): o is ManifestObject => {
      const m = o as Partial<ManifestObject> | null;
      return typeof m?.apiVersion === 'string' && typeof m.kind === 'string' && typeof m.metadata?.name === 'string';
    });
}

const describe = (o: { kind: string; metadata: { name: string; namespace?: string } }): string =>
  `${o.kind}/${o.metadata.namespace === undefined ? '' : `${o.metadata.namespace}/`}${o.metadata.name}`;

async function readLive(clients: KubeClients, o: ManifestObject): Promise<KubernetesObject | null> {
  const ref = {
    apiVersion: o.apiVersion,
    kind: o.kind,
    metadata: {
      name: o.metadata.name,
      ...(o.metadata.namespace === undefined ? {} : { namespace: o.metadata.namespace }),
    },
  };
  try {
    return await read(`read ${describe(o)}`, () => clients.objects.read(ref));
  } catch (err) {
    if (err instanceof ApplicationFailure && err.type === 'NotFound') return null;
    throw err;
  }
}

/** Why a live object is not what the manifest wants, or null when it is. */
function mismatch(want: ManifestObject, live: KubernetesObject, rollout: boolean): string | null {
  for (const [key, value] of Object.entries(want.metadata.labels ?? {})) {
    if (live.metadata?.labels?.[key] !== value)
      return `label ${key} is ${live.metadata?.labels?.[key] ?? 'absent'}, wanted ${value}`;
  }
  if (want.kind === 'ConfigMap') {
    const data = (live as { data?: Record<string, string> }).data ?? {};
    for (const [key, value] of Object.entries(want.data ?? {})) if (data[key] !== value) return `data ${key} differs`;
  }
  if (want.kind === 'Deployment' || want.kind === 'DaemonSet') {
    const liveContainers = (live as V1Deployment).spec?.template.spec?.containers ?? [];
    for (const c of want.spec?.template?.spec?.containers ?? []) {
      const image = liveContainers.find((l) => l.name === c.name)?.image;
      if (c.image !== undefined && image !== c.image)
        return `container ${c.name} runs ${image ?? 'nothing'}, wanted ${c.image}`;
      // Settings that travel as environment, such as the istiod ztunnel connects to (XDS_ADDRESS).
      const liveEnv = liveContainers.find((l) => l.name === c.name)?.env ?? [];
      for (const e of c.env ?? []) {
        const value = liveEnv.find((l) => l.name === e.name)?.value;
        if (e.value !== undefined && value !== e.value)
          return `container ${c.name} has ${e.name}=${value ?? '(unset)'}, wanted ${e.value}`;
      }
    }
    if (!rollout) return null;
    const status = want.kind === 'Deployment' ? deploymentRolloutStatus(live) : daemonSetRolloutStatus(live);
    if (status.state !== 'done') return status.message;
  }
  return null;
}

/**
 * The manifest's objects that are missing or not as rendered, each with the reason. `rollout`
 * false: a Deployment or DaemonSet counts once applied, whether or not it has rolled out yet.
 */
export async function notInPlace(
  clients: KubeClients,
  manifest: readonly ManifestObject[],
  options: { rollout: boolean } = { rollout: true },
): Promise<string[]> {
  if (manifest.length === 0) throw activityFailure('CommandFailed', 'istioctl manifest generate rendered no objects');
  const problems: string[] = [];
  for (const want of manifest) {
    const live = await readLive(clients, want);
    const why = live === null ? 'missing' : mismatch(want, live, options.rollout);
    if (why !== null) problems.push(`${describe(want)}: ${why}`);
  }
  return problems;
}

/**
 * Objects istioctl labelled as its own for a revision (`operator.istio.io/component`), tags
 * excepted: they are moved by `tag set`, and a tag still pointing here is the workflow's concern.
 */
export async function ownedByRevision(clients: KubeClients, namespace: string, revision: string): Promise<string[]> {
  const labelSelector = `istio.io/rev=${revision},operator.istio.io/component,!istio.io/tag`;
  const names = (kind: string, items: { metadata?: { name?: string; namespace?: string } }[]) =>
    items.map((o) =>
      describe({
        kind,
        metadata: {
          name: o.metadata?.name ?? '',
          ...(o.metadata?.namespace === undefined ? {} : { namespace: o.metadata.namespace }),
        },
      }),
    );
  const [deployments, services, configMaps, mutating, validating] = await Promise.all([
    read(`list istiod of ${revision}`, () =>
      clients.apps.listNamespacedDeployment({ namespace, labelSelector: `${labelSelector},app=istiod` }),
    ),
    read(`list services of ${revision}`, () => clients.core.listNamespacedService({ namespace, labelSelector })),
    read(`list config maps of ${revision}`, () => clients.core.listNamespacedConfigMap({ namespace, labelSelector })),
    read(`list mutating webhooks of ${revision}`, () =>
      clients.admission.listMutatingWebhookConfiguration({ labelSelector }),
    ),
    read(`list validating webhooks of ${revision}`, () =>
      clients.admission.listValidatingWebhookConfiguration({ labelSelector }),
    ),
  ]);
  return [
    ...names('Deployment', deployments.items),
    ...names('Service', services.items),
    ...names('ConfigMap', configMaps.items),
    ...names('MutatingWebhookConfiguration', mutating.items),
    ...names('ValidatingWebhookConfiguration', validating.items),
  ];
}
