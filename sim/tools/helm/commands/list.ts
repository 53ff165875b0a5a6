/**
 * `helm list`: the newest revision of each release, deployed or failed ones unless `--all`,
 * in helm's table or its JSON (where `revision` is a string, as helm prints it).
 */
import { stringify } from 'yaml';
import { ToolError } from '../../cli/tool-error.js';
import { OUTPUT, outputFormat, type HelmCommand } from '../command.js';
import { allRevisions, helmTime, latest } from '../releases.js';

export const listCommand: HelmCommand = {
  path: ['list'],
  aliases: [['ls']],
  summary: 'list releases',
  flags: [
    OUTPUT,
    { name: 'all', short: 'a', kind: 'bool', help: 'show all releases without any filter applied' },
    { name: 'all-namespaces', short: 'A', kind: 'bool', help: 'list releases across all namespaces' },
    {
      name: 'filter',
      short: 'f',
      kind: 'string',
      help: 'a regular expression (Perl compatible); releases that match it are included',
    },
    { name: 'short', short: 'q', kind: 'bool', help: 'output short (quiet) listing format' },
  ],
  run: async (ctx, flags) => {
    const format = outputFormat(flags);
    let filter: RegExp | undefined;
    try {
      const f = flags.string('filter');
      filter = f === undefined ? undefined : new RegExp(f);
    } catch {
      throw new ToolError(`invalid regular expression in --filter`);
    }
    const revisions = await allRevisions(ctx.kube(), flags.bool('all-namespaces') ? undefined : ctx.namespace());
    const shown = latest(revisions).filter(
      (r) =>
        (flags.bool('all') || r.status === 'deployed' || r.status === 'failed') &&
        (filter === undefined || filter.test(r.name)),
    );
    const rows = shown.map((r) => ({
      name: r.name,
      namespace: r.namespace,
      revision: String(r.revision),
      updated: helmTime(r.updated),
      status: r.status,
      chart: `${r.chart}-${r.version}`,
      app_version: r.version,
    }));
    if (flags.bool('short')) {
      process.stdout.write(rows.map((r) => `${r.name}\n`).join(''));
    } else if (format === 'json') {
      process.stdout.write(`${JSON.stringify(rows)}\n`);
    } else if (format === 'yaml') {
      process.stdout.write(stringify(rows));
    } else {
      const table = [
        ['NAME', 'NAMESPACE', 'REVISION', 'UPDATED', 'STATUS', 'CHART', 'APP VERSION'],
        ...rows.map((r) => [r.name, r.namespace, r.revision, r.updated, r.status, r.chart, r.app_version]),
      ];
      const widths = table[0]?.map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length))) ?? [];
      // helm's table library pads each cell and separates columns with a tab.
      process.stdout.write(
        table
          .map((row) => row.map((c, i) => (i === row.length - 1 ? c : `${c.padEnd(widths[i] ?? 0)}\t`)).join(''))
          .join('\n') + '\n',
      );
    }
  },
};
