/**
 * `istioctl ztunnel-config workloads`: the workloads ztunnel knows, which is every pod with an
 * address; ambient-captured ones speak HBONE, the rest plain TCP. The waypoint column follows
 * `istio.io/use-waypoint` on the pod, else on its namespace.
 */
import { tabwrite } from '../../cli/table.js';
import { ToolError } from '../../cli/tool-error.js';
import type { Command } from '../command.js';

export const ztunnelWorkloadsCommand: Command = {
  path: ['ztunnel-config', 'workloads'],
  aliases: [
    ['ztunnel-config', 'workload'],
    ['zc', 'workloads'],
    ['zc', 'workload'],
  ],
  summary: 'Retrieves workload configuration for the specified Ztunnel pod',
  flags: [
    { name: 'workload-namespace', kind: 'string', help: 'Filter workloads by namespace field' },
    { name: 'node', kind: 'string', help: 'Filter workloads by node field' },
    { name: 'output', short: 'o', kind: 'string', help: 'Output format: one of json|yaml|short' },
  ],
  run: async (ctx, flags) => {
    const kube = ctx.kube();
    const [pods, namespaces] = await Promise.all([kube.core.listPodForAllNamespaces(), kube.core.listNamespace()]);
    const ztunnel = pods.items.some(
      (p) => (p.spec?.containers ?? []).some((c) => c.image?.includes('/ztunnel:')) && p.status?.phase === 'Running',
    );
    if (!ztunnel) throw new ToolError('no ztunnel pod found in the cluster');
    const nsWaypoint = new Map(
      namespaces.items.map((n) => [n.metadata?.name ?? '', n.metadata?.labels?.['istio.io/use-waypoint']]),
    );
    const onlyNs = flags.string('workload-namespace');
    const onlyNode = flags.string('node');
    const rows = pods.items
      .filter((p) => p.status?.podIP && p.status.phase === 'Running')
      .filter(
        (p) =>
          (onlyNs === undefined || p.metadata?.namespace === onlyNs) &&
          (onlyNode === undefined || p.spec?.nodeName === onlyNode),
      )
      .map((p) => {
        const ns = p.metadata?.namespace ?? '';
        const hbone = p.metadata?.annotations?.['ambient.istio.io/redirection'] === 'enabled';
        const waypoint =
          p.metadata?.labels?.['istio.io/use-waypoint'] ?? (hbone ? nsWaypoint.get(ns) : undefined) ?? 'None';
        return [
          ns,
          p.metadata?.name ?? '',
          p.status?.podIP ?? '',
          p.spec?.nodeName ?? '',
          waypoint,
          hbone ? 'HBONE' : 'TCP',
        ];
      })
      .sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? '') || (a[1] ?? '').localeCompare(b[1] ?? ''));
    process.stdout.write(tabwrite([['NAMESPACE', 'POD NAME', 'ADDRESS', 'NODE', 'WAYPOINT', 'PROTOCOL'], ...rows], 1));
  },
};
