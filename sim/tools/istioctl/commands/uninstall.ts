/**
 * `istioctl uninstall`: removes one revision's control plane (`--revision`), or everything
 * Istio (`--purge`). Like the real command it warns about proxies still served by the
 * revision; the sim also refuses to remove the last control plane without `--purge`, since
 * that leaves every proxy detached.
 */
import { confirm } from '../../cli/confirm.js';
import { ToolError } from '../../cli/tool-error.js';
import { controlPlaneObjects, gatewayObjects, nodeAgentDaemonSet } from '../../../istio/manifests.js';
import type { KubeObject } from '../../../api/object.js';
import { controlPlanes, proxies } from '../../istio/cluster.js';
import type { Kube } from '../../kube/connect.js';
import { deleteObject } from '../../kube/objects.js';
import { REVISION, SKIP_CONFIRMATION, type Command } from '../command.js';
import { INGRESS_GATEWAY } from '../render.js';

async function deleteAll(kube: Kube, objects: readonly KubeObject[]): Promise<void> {
  for (const o of objects) await deleteObject(kube, o.apiVersion, o.kind, o.metadata.name, o.metadata.namespace);
}

interface Owned {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

/**
 * What istioctl installed for a revision, found by its labels as the real command prunes:
 * leftovers of an uninstall that stopped half-way (webhooks without their istiod) included.
 * Revision tags are moved or removed by `tag`, not here.
 */
async function ownedByRevision(kube: Kube, namespace: string, revision: string): Promise<Owned[]> {
  const labelSelector = `istio.io/rev=${revision},operator.istio.io/component,!istio.io/tag`;
  const named = (
    apiVersion: string,
    kind: string,
    items: { metadata?: { name?: string; namespace?: string } }[],
  ): Owned[] =>
    items.map((o) => ({
      apiVersion,
      kind,
      name: o.metadata?.name ?? '',
      ...(o.metadata?.namespace === undefined ? {} : { namespace: o.metadata.namespace }),
    }));
  return [
    ...named(
      'apps/v1',
      'Deployment',
      (await kube.apps.listNamespacedDeployment({ namespace, labelSelector: `${labelSelector},app=istiod` })).items,
    ),
    ...named('v1', 'Service', (await kube.core.listNamespacedService({ namespace, labelSelector })).items),
    ...named('v1', 'ConfigMap', (await kube.core.listNamespacedConfigMap({ namespace, labelSelector })).items),
    ...named(
      'admissionregistration.k8s.io/v1',
      'MutatingWebhookConfiguration',
      (await kube.admission.listMutatingWebhookConfiguration({ labelSelector })).items,
    ),
    ...named(
      'admissionregistration.k8s.io/v1',
      'ValidatingWebhookConfiguration',
      (await kube.admission.listValidatingWebhookConfiguration({ labelSelector })).items,
    ),
  ];
}

export const uninstallCommand: Command = {
  path: ['uninstall'],
  summary: 'Uninstall Istio from a cluster',
  flags: [
    REVISION,
    SKIP_CONFIRMATION,
    { name: 'purge', kind: 'bool', help: 'Delete all Istio related sources for all versions' },
    { name: 'filename', short: 'f', kind: 'strings', help: 'The filename of the IstioOperator CR' },
    { name: 'set', short: 's', kind: 'strings', help: 'Override an IstioOperator value' },
    { name: 'dry-run', kind: 'bool', help: 'Console/log output only, make no changes' },
  ],
  run: async (ctx, flags) => {
    const kube = ctx.kube();
    const ns = ctx.istioNamespace;
    const revision =
      flags.string('revision') ??
      flags
        .strings('set')
        .find((s) => s.startsWith('revision='))
        ?.slice('revision='.length);
    const purge = flags.bool('purge');
    if (!purge && revision === undefined && flags.strings('filename').length === 0) {
      throw new ToolError(
        'at least one of the --revision (or --set revision=<revision>), --filename or --purge flags must be set',
      );
    }
    if (!purge && revision === undefined)
      throw new ToolError('the sim uninstalls by --revision or --purge; --filename alone is not simulated');
    const cps = await controlPlanes(kube, ns);
    const targets = purge ? cps : cps.filter((c) => c.revision === revision);
    const leftovers = purge || revision === undefined ? [] : await ownedByRevision(kube, ns, revision);
    if (!purge && targets.length === 0 && leftovers.length === 0) {
      process.stdout.write(
        `No Istio control plane of revision "${revision}" found in namespace "${ns}"; nothing to uninstall.\n`,
      );
      return;
    }
    if (!purge && targets.length > 0 && cps.length === 1) {
      throw new ToolError(
        `revision "${revision}" is the only control plane in namespace "${ns}": removing it detaches every proxy; use --purge to remove Istio entirely`,
      );
    }
    const served = (await proxies(kube)).filter((p) => purge || p.revision === revision);
    if (served.length > 0) {
      process.stdout.write(
        `There are still ${served.length} proxies pointing to the control plane revision ${purge ? '(any)' : revision}\n`,
      );
      for (const p of served) process.stdout.write(`  ${p.name}.${p.namespace}\n`);
      process.stdout.write(
        'If you proceed with the uninstall, these proxies will become detached from any control plane and will not function correctly.\n',
      );
    }
    if (flags.bool('dry-run')) return;
    if (
      !flags.bool('skip-confirmation') &&
      !(await confirm('All Istio resources will be pruned from the cluster\nProceed? (y/N)'))
    ) {
      process.stdout.write('Cancelled.\n');
      throw new ToolError('');
    }
    for (const cp of targets) {
      const objects = controlPlaneObjects({
        revision: cp.revision,
        version: cp.version,
        namespace: ns,
        installer: 'istioctl',
      });
      const label = cp.revision === 'default' ? 'istiod' : `istiod-${cp.revision}`;
      await deleteAll(kube, objects);
      process.stdout.write(`  Removed ${label} (Deployment, Service, ConfigMap and webhooks).\n`);
    }
    for (const o of leftovers) {
      await deleteObject(kube, o.apiVersion, o.kind, o.name, o.namespace);
      process.stdout.write(`  Removed ${o.kind}/${o.namespace === undefined ? '' : `${o.namespace}/`}${o.name}.\n`);
    }
    if (purge) {
      const tags = await kube.admission.listMutatingWebhookConfiguration({ labelSelector: 'istio.io/tag' });
      for (const w of tags.items)
        await deleteObject(
          kube,
          'admissionregistration.k8s.io/v1',
          'MutatingWebhookConfiguration',
          w.metadata?.name ?? '',
        );
      const gw = gatewayObjects({
        name: INGRESS_GATEWAY,
        namespace: ns,
        replicas: 1,
        revision: 'default',
        installer: 'istioctl',
      });
      await deleteAll(kube, [
        ...gw,
        nodeAgentDaemonSet('istio-cni', ns, ctx.version, 'istioctl'),
        nodeAgentDaemonSet('ztunnel', ns, ctx.version, 'istioctl'),
      ]);
    }
    process.stdout.write('✔ Uninstall complete\n');
  },
};
