/**
 * `helm rollback <release> [revision]` and `helm history <release>`. Rollback is helm's way out
 * of a release left `pending-upgrade` by a killed helm: it records a new revision with the
 * target revision's chart and values, applies it, and supersedes the others.
 */
import { stringify } from 'yaml';
import type { HelmRelease } from '../../../istio/helm-release.js';
import { ToolError } from '../../cli/tool-error.js';
import { applyObject, deleteObject } from '../../kube/objects.js';
import { chartName, objectKey, renderChart } from '../charts.js';
import { OUTPUT, outputFormat, type HelmCommand } from '../command.js';
import { findRelease, helmTime, saveRelease } from '../releases.js';

export const rollbackCommand: HelmCommand = {
  path: ['rollback'],
  summary: 'roll back a release to a previous revision',
  flags: [
    { name: 'wait', kind: 'bool', help: 'not simulated: accepted' },
    {
      name: 'timeout',
      kind: 'string',
      help: 'time to wait for any individual Kubernetes operation',
      defaultText: '5m0s',
    },
  ],
  run: async (ctx, flags) => {
    const [name, revisionText, ...extra] = flags.positionals;
    if (name === undefined || extra.length > 0)
      throw new ToolError(
        '"helm rollback" requires at least 1 argument\n\nUsage:  helm rollback <RELEASE> [REVISION] [flags]',
      );
    const kube = ctx.kube();
    const { current, history } = await findRelease(kube, ctx.namespace(), name);
    if (!current) throw new ToolError(`release: not found`);
    const wanted = revisionText === undefined ? current.revision - 1 : Number(revisionText);
    const target = history.find((h) => h.revision === wanted);
    if (!target) throw new ToolError(`release has no ${wanted} version`);
    const objects = renderChart(
      chartName(target.chart, target.version),
      target.name,
      target.namespace,
      target.version,
      target.values,
    );
    for (const o of objects) await applyObject(kube, o, { keepReplicas: true });
    const keep = new Set(objects.map(objectKey));
    const previous = renderChart(
      chartName(current.chart, current.version),
      current.name,
      current.namespace,
      current.version,
      current.values,
    );
    for (const o of previous.filter((p) => !keep.has(objectKey(p))))
      await deleteObject(kube, o.apiVersion, o.kind, o.metadata.name, o.metadata.namespace);
    for (const old of history.filter((h) => h.status === 'deployed' || h.status.startsWith('pending-')))
      await saveRelease(kube, { ...old, status: 'superseded' });
    const next: HelmRelease = {
      ...target,
      revision: current.revision + 1,
      status: 'deployed',
      updated: new Date().toISOString(),
      description: `Rollback to ${wanted}`,
    };
    await saveRelease(kube, next);
    process.stdout.write('Rollback was a success! Happy Helming!\n');
  },
};

export const historyCommand: HelmCommand = {
  path: ['history'],
  aliases: [['hist']],
  summary: 'fetch release history',
  flags: [
    OUTPUT,
    { name: 'max', kind: 'string', help: 'maximum number of revision to include in history', defaultText: '256' },
  ],
  run: async (ctx, flags) => {
    const [name, ...extra] = flags.positionals;
    if (name === undefined || extra.length > 0)
      throw new ToolError('"helm history" requires 1 argument\n\nUsage:  helm history RELEASE_NAME [flags]');
    const format = outputFormat(flags);
    const { history } = await findRelease(ctx.kube(), ctx.namespace(), name);
    if (history.length === 0) throw new ToolError('release: not found');
    const rows = history.map((r) => ({
      revision: r.revision,
      updated: r.updated,
      status: r.status,
      chart: `${r.chart}-${r.version}`,
      app_version: r.version,
      description: r.description ?? (r.revision === 1 ? 'Install complete' : 'Upgrade complete'),
    }));
    if (format === 'json') process.stdout.write(`${JSON.stringify(rows)}\n`);
    else if (format === 'yaml') process.stdout.write(stringify(rows));
    else
      process.stdout.write(
        [
          'REVISION\tUPDATED\tSTATUS\tCHART\tAPP VERSION\tDESCRIPTION',
          ...rows.map(
            (r) => `${r.revision}\t${helmTime(r.updated)}\t${r.status}\t${r.chart}\t${r.app_version}\t${r.description}`,
          ),
        ].join('\n') + '\n',
      );
  },
};
