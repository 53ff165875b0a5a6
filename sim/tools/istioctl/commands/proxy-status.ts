/**
 * `istioctl proxy-status`: one row per proxy connected to an istiod, naming that istiod's pod
 * and the proxy's own version. A proxy whose revision has no running istiod is not connected,
 * so it is not listed, as on a real cluster. The table is the one this istioctl release prints:
 * xDS columns before 1.27, SUBSCRIBED TYPES from 1.27 (istio/istio#56441); IGNORED replaced
 * NOT SENT for unsubscribed types in 1.23.
 */
import { ToolError } from '../../cli/tool-error.js';
import { tabwrite } from '../../cli/table.js';
import { istiodPods, proxies, revisionTags, type Proxy } from '../../istio/cluster.js';
import { minorOf } from '../../istio/tool-version.js';
import { REVISION, type Command } from '../command.js';

const ENVOY_TYPES = ['CDS', 'LDS', 'EDS', 'RDS'];
const ZTUNNEL_TYPES = ['WADS', 'WDS'];

function legacyCells(p: Proxy, minor: number): string[] {
  const unsubscribed = minor >= 23 ? 'IGNORED' : 'NOT SENT';
  if (p.kind === 'ztunnel') return [unsubscribed, unsubscribed, unsubscribed, unsubscribed, unsubscribed];
  // A gateway with no Gateway config has no routes to send.
  const rds = p.kind === 'gateway' ? 'NOT SENT' : 'SYNCED';
  return ['SYNCED', 'SYNCED', 'SYNCED', rds, unsubscribed];
}

function subscribed(p: Proxy): string {
  const types = p.kind === 'ztunnel' ? ZTUNNEL_TYPES : ENVOY_TYPES;
  return `${types.length} (${types.join(',')})`;
}

export const proxyStatusCommand: Command = {
  path: ['proxy-status'],
  aliases: [['ps']],
  summary: 'Retrieves the synchronization status of each Envoy in the mesh',
  flags: [REVISION, { name: 'output', short: 'o', kind: 'string', help: 'Output format' }],
  run: async (ctx, flags) => {
    if (flags.positionals.length > 0)
      throw new ToolError('per-proxy config comparison is not simulated; run proxy-status without a pod name');
    const kube = ctx.kube();
    const [found, istiods, tags] = await Promise.all([proxies(kube), istiodPods(kube), revisionTags(kube)]);
    const wanted = flags.string('revision');
    const revision = wanted === undefined ? undefined : (tags.get(wanted) ?? wanted);
    const minor = minorOf(ctx.version);
    const rows = found
      .flatMap((p) => {
        const istiod = istiods.get(p.revision);
        if (istiod === undefined || (revision !== undefined && p.revision !== revision)) return [];
        const name = `${p.name}.${p.namespace}`;
        return [
          minor >= 27
            ? [name, 'Kubernetes', istiod, p.version, subscribed(p)]
            : [name, 'Kubernetes', ...legacyCells(p, minor), istiod, p.version],
        ];
      })
      .sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''));
    const header =
      minor >= 27
        ? ['NAME', 'CLUSTER', 'ISTIOD', 'VERSION', 'SUBSCRIBED TYPES']
        : ['NAME', 'CLUSTER', 'CDS', 'LDS', 'EDS', 'RDS', 'ECDS', 'ISTIOD', 'VERSION'];
    process.stdout.write(tabwrite([header, ...rows], 5));
  },
};
