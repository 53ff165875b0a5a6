/**
 * `helm show chart <chart> --version <v>`: the chart's metadata from the repository, without a
 * cluster. Runbooks ask it before the first write whether every chart version they will install
 * is there.
 */
import { stringify } from 'yaml';
import { parseVersion } from '../../../istio/version.js';
import { ToolError } from '../../cli/tool-error.js';
import { chartName, requireChartVersion } from '../charts.js';
import type { HelmCommand } from '../command.js';

export const showChartCommand: HelmCommand = {
  path: ['show', 'chart'],
  aliases: [['inspect', 'chart']],
  summary: "show the chart's definition",
  flags: [{ name: 'version', kind: 'string', help: 'specify a version constraint for the chart version to use' }],
  run: (_ctx, flags) => {
    const [ref, ...extra] = flags.positionals;
    if (ref === undefined || extra.length > 0)
      throw new ToolError('"helm show chart" requires 1 argument\n\nUsage:  helm show chart [CHART] [flags]');
    const requested = flags.string('version');
    if (requested === undefined) throw new ToolError('helm show chart: the stand-in needs --version');
    const version = requested.replace(/^v/, '');
    if (!parseVersion(version)) throw new ToolError(`improper constraint: ${requested}`);
    const chart = chartName(ref, version);
    requireChartVersion(chart, version);
    process.stdout.write(
      stringify({ apiVersion: 'v2', name: chart, version, appVersion: version, description: `Istio ${chart} chart` }),
    );
    return Promise.resolve();
  },
};
