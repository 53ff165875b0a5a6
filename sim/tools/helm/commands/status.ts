/** `helm status <release>` and `helm get values <release>`: one release's state and its user values. */
import { stringify } from 'yaml';
import { ToolError } from '../../cli/tool-error.js';
import { OUTPUT, outputFormat, type HelmCommand } from '../command.js';
import { findRelease, statusText } from '../releases.js';

export const statusCommand: HelmCommand = {
  path: ['status'],
  summary: 'display the status of the named release',
  flags: [
    OUTPUT,
    { name: 'revision', kind: 'string', help: 'if set, display the status of the named release with revision' },
  ],
  run: async (ctx, flags) => {
    const [name, ...extra] = flags.positionals;
    if (name === undefined || extra.length > 0)
      throw new ToolError('"helm status" requires 1 argument\n\nUsage:  helm status RELEASE_NAME [flags]');
    const format = outputFormat(flags);
    const { current, history } = await findRelease(ctx.kube(), ctx.namespace(), name);
    const wanted = flags.string('revision');
    const r = wanted === undefined ? current : history.find((h) => String(h.revision) === wanted);
    if (!r) throw new ToolError('release: not found');
    const doc = {
      name: r.name,
      info: {
        first_deployed: history[0]?.updated ?? r.updated,
        last_deployed: r.updated,
        deleted: '',
        description: r.description ?? (r.revision === 1 ? 'Install complete' : 'Upgrade complete'),
        status: r.status,
      },
      chart: { metadata: { name: r.chart, version: r.version, appVersion: r.version, apiVersion: 'v2' } },
      config: r.values,
      version: r.revision,
      namespace: r.namespace,
    };
    process.stdout.write(
      format === 'json' ? `${JSON.stringify(doc)}\n` : format === 'yaml' ? stringify(doc) : statusText(r),
    );
  },
};

export const getValuesCommand: HelmCommand = {
  path: ['get', 'values'],
  summary: 'download the values file for a named release',
  flags: [
    OUTPUT,
    { name: 'all', short: 'a', kind: 'bool', help: 'dump all (computed) values' },
    { name: 'revision', kind: 'string', help: 'get the named release with revision' },
  ],
  run: async (ctx, flags) => {
    const [name, ...extra] = flags.positionals;
    if (name === undefined || extra.length > 0)
      throw new ToolError('"helm get values" requires 1 argument\n\nUsage:  helm get values RELEASE_NAME [flags]');
    const format = outputFormat(flags);
    const { current, history } = await findRelease(ctx.kube(), ctx.namespace(), name);
    const wanted = flags.string('revision');
    const r = wanted === undefined ? current : history.find((h) => String(h.revision) === wanted);
    if (!r) throw new ToolError('release: not found');
    // Helm keeps no user values as a nil map, which prints as null.
    const values = Object.keys(r.values).length ? r.values : null;
    if (format === 'json') process.stdout.write(`${JSON.stringify(values)}\n`);
    else if (format === 'yaml') process.stdout.write(stringify(values));
    else process.stdout.write(`USER-SUPPLIED VALUES:\n${values === null ? 'null\n' : stringify(values)}`);
  },
};
