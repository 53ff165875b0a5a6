/**
 * `istioctl version`: the client's release, the control plane's (istiod Deployments) and the
 * data plane's (proxy images in running pods), in istioctl's short form by default.
 */
import type { Command } from '../command.js';
import { controlPlanes, proxies } from '../../istio/cluster.js';
import { compareVersions } from '../../../istio/version.js';
import { ToolError } from '../../cli/tool-error.js';

function buildInfo(version: string): string {
  return `version.BuildInfo{Version:"${version}", GitRevision:"sim", GolangVersion:"go1.24.6", BuildStatus:"Clean", GitTag:"${version}"}`;
}

export const versionCommand: Command = {
  path: ['version'],
  summary: 'Prints out build version information',
  flags: [
    {
      name: 'remote',
      kind: 'bool',
      help: 'Use --remote=false to suppress control plane and data plane check',
      defaultText: 'true',
    },
    {
      name: 'short',
      short: 's',
      kind: 'bool',
      help: 'Use --short=false to generate full version information',
      defaultText: 'true',
    },
    { name: 'output', short: 'o', kind: 'string', help: 'One of "yaml" or "json"' },
  ],
  run: async (ctx, flags) => {
    const remote = flags.has('remote') ? flags.bool('remote') : true;
    const short = flags.has('short') ? flags.bool('short') : true;
    const output = flags.string('output');
    if (output !== undefined && output !== '')
      throw new ToolError(`--output ${output} is not simulated; use the default text output`);
    const client = short ? ctx.version : buildInfo(ctx.version);
    if (!remote) {
      process.stdout.write(`${client}\n`);
      return;
    }
    const kube = ctx.kube();
    const [cps, found] = await Promise.all([controlPlanes(kube, ctx.istioNamespace), proxies(kube)]);
    process.stdout.write(`client version: ${client}\n`);
    if (cps.length === 0) {
      process.stdout.write(
        `Istio is not present in the cluster: no running Istio pods in namespace "${ctx.istioNamespace}"\n`,
      );
      return;
    }
    const cpVersions = [...new Set(cps.map((c) => c.version))].sort(compareVersions);
    process.stdout.write(`control plane version: ${cpVersions.map((v) => (short ? v : buildInfo(v))).join(', ')}\n`);
    const counts = new Map<string, number>();
    for (const p of found) if (p.kind !== 'ztunnel') counts.set(p.version, (counts.get(p.version) ?? 0) + 1);
    const rendered = [...counts.entries()]
      .sort(([a], [b]) => compareVersions(a, b))
      .map(([v, n]) => `${v} (${n} ${n === 1 ? 'proxy' : 'proxies'})`);
    process.stdout.write(`data plane version: ${rendered.length ? rendered.join(', ') : 'none'}\n`);
  },
};
