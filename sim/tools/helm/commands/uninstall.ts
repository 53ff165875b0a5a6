/** `helm uninstall <release>`: deletes what the release rendered, then its history. */
import { ToolError } from '../../cli/tool-error.js';
import { deleteObject } from '../../kube/objects.js';
import { chartName, renderChart } from '../charts.js';
import type { HelmCommand } from '../command.js';
import { deleteReleaseHistory, findRelease } from '../releases.js';

export const uninstallCommand: HelmCommand = {
  path: ['uninstall'],
  aliases: [['un'], ['delete'], ['del']],
  summary: 'uninstall a release',
  flags: [
    { name: 'wait', kind: 'bool', help: 'if set, wait until all the resources are deleted before returning' },
    {
      name: 'timeout',
      kind: 'string',
      help: 'time to wait for any individual Kubernetes operation',
      defaultText: '5m0s',
    },
    { name: 'keep-history', kind: 'bool', help: 'not simulated: history is always removed' },
  ],
  run: async (ctx, flags) => {
    const names = flags.positionals;
    if (names.length === 0)
      throw new ToolError(
        '"helm uninstall" requires at least 1 argument\n\nUsage:  helm uninstall RELEASE_NAME [...] [flags]',
      );
    const kube = ctx.kube();
    for (const name of names) {
      const { current, history } = await findRelease(kube, ctx.namespace(), name);
      if (!current) throw new ToolError(`uninstall: Release not loaded: ${name}: release: not found`);
      for (const o of renderChart(
        chartName(current.chart, current.version),
        current.name,
        current.namespace,
        current.version,
        current.values,
      )) {
        await deleteObject(kube, o.apiVersion, o.kind, o.metadata.name, o.metadata.namespace);
      }
      await deleteReleaseHistory(kube, history);
      process.stdout.write(`release "${name}" uninstalled\n`);
    }
  },
};
