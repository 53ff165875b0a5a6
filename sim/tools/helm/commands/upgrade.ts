/**
 * `helm upgrade [--install] <release> <chart>`: renders the chart at `--version`, applies what
 * changed, deletes what the previous revision had and this one does not, and records a new
 * release revision (every run adds one, as helm does). `--wait` waits for the rollout and
 * marks the release failed when `--timeout` passes first.
 */
import { LATEST_PATCHES } from '../../../../core/releases.js';
import type { HelmRelease } from '../../../istio/helm-release.js';
import { compareVersions, parseVersion } from '../../../istio/version.js';
import { parseDuration } from '../../cli/duration.js';
import { ToolError } from '../../cli/tool-error.js';
import { applyObject, deleteObject } from '../../kube/objects.js';
import { orUndefined } from '../../kube/errors.js';
import { waitForRollout } from '../../kube/rollout.js';
import { chartName, chartWorkloads, objectKey, renderChart, requireChartVersion, type ChartName } from '../charts.js';
import type { HelmCommand } from '../command.js';
import { findRelease, saveRelease, statusText } from '../releases.js';
import { collectValues, mergeValues } from '../values.js';

const NEWEST = Object.values(LATEST_PATCHES).sort(compareVersions).at(-1) ?? '1.28.0';

export const upgradeCommand: HelmCommand = {
  path: ['upgrade'],
  summary: 'upgrade a release',
  flags: [
    {
      name: 'install',
      short: 'i',
      kind: 'bool',
      help: 'if a release by this name does not already exist, run an install',
    },
    {
      name: 'create-namespace',
      kind: 'bool',
      help: 'if --install is set, create the release namespace if not present',
    },
    { name: 'version', kind: 'string', help: 'specify a version constraint for the chart version to use' },
    { name: 'set', kind: 'strings', help: 'set values on the command line' },
    { name: 'set-string', kind: 'strings', help: 'set STRING values on the command line' },
    { name: 'values', short: 'f', kind: 'strings', help: 'specify values in a YAML file (can specify multiple)' },
    {
      name: 'reuse-values',
      kind: 'bool',
      help: "when upgrading, reuse the last release's values and merge in any overrides",
    },
    { name: 'reset-values', kind: 'bool', help: 'when upgrading, reset the values to the ones built into the chart' },
    { name: 'wait', kind: 'bool', help: 'if set, wait until all Deployments and DaemonSets are ready' },
    {
      name: 'timeout',
      kind: 'string',
      help: 'time to wait for any individual Kubernetes operation',
      defaultText: '5m0s',
    },
    { name: 'atomic', kind: 'bool', help: 'not simulated: accepted, and acts as --wait' },
    { name: 'description', kind: 'string', help: 'add a custom description' },
  ],
  run: async (ctx, flags) => {
    const [release, chartRef, ...extra] = flags.positionals;
    if (release === undefined || chartRef === undefined || extra.length > 0) {
      throw new ToolError(`"helm upgrade" requires 2 arguments\n\nUsage:  helm upgrade [RELEASE] [CHART] [flags]`);
    }
    const kube = ctx.kube();
    const namespace = ctx.namespace();
    const requested = flags.string('version');
    const version = (requested ?? NEWEST).replace(/^v/, '');
    if (!parseVersion(version)) throw new ToolError(`chart version "${requested ?? ''}" is not a version`);
    const chart: ChartName = chartName(chartRef, version);
    requireChartVersion(chart, version);
    const timeoutMs = parseDuration(flags.string('timeout') ?? '5m0s');
    const { current, history } = await findRelease(kube, namespace, release);
    const installing = current === undefined;
    const failedOp = installing ? 'INSTALLATION FAILED' : 'UPGRADE FAILED';
    if (installing && !flags.bool('install'))
      throw new ToolError(`UPGRADE FAILED: "${release}" has no deployed releases`);
    if (current?.status.startsWith('pending-') === true)
      throw new ToolError(`${failedOp}: another operation (install/upgrade/rollback) is in progress`);

    const ns = await orUndefined(() => kube.core.readNamespace({ name: namespace }));
    if (!ns) {
      if (!(installing && flags.bool('create-namespace')))
        throw new ToolError(`${failedOp}: create: failed to create: namespaces "${namespace}" not found`);
      await kube.core.createNamespace({ body: { metadata: { name: namespace } } });
    }

    const given = collectValues({
      files: flags.strings('values'),
      sets: flags.strings('set'),
      setStrings: flags.strings('set-string'),
    });
    const values = flags.bool('reuse-values') && current ? mergeValues({ ...current.values }, given) : given;
    const objects = renderChart(chart, release, namespace, version, values);
    if (installing) process.stdout.write(`Release "${release}" does not exist. Installing it now.\n`);

    // Helm records the operation before it touches anything: a process killed from here on leaves the release pending.
    const description = flags.string('description');
    const next: HelmRelease = {
      name: release,
      namespace,
      chart,
      version,
      revision: (current?.revision ?? 0) + 1,
      status: installing ? 'pending-install' : 'pending-upgrade',
      values,
      updated: new Date().toISOString(),
      ...(description === undefined ? {} : { description }),
    };
    await saveRelease(kube, next);
    for (const o of objects) await applyObject(kube, o, { keepReplicas: true });
    if (current) {
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
    }

    next.status = 'deployed';
    let failure: ToolError | undefined;
    if (flags.bool('wait') || flags.bool('atomic')) {
      try {
        await waitForRollout(kube, chartWorkloads(objects), timeoutMs, () => `${failedOp}: context deadline exceeded`);
      } catch (err) {
        if (!(err instanceof ToolError)) throw err;
        failure = err;
        next.status = 'failed';
      }
    }
    for (const old of history.filter((h) => h.status === 'deployed'))
      await saveRelease(kube, { ...old, status: 'superseded' });
    await saveRelease(kube, next);
    if (failure) throw failure;
    if (!installing) process.stdout.write(`Release "${release}" has been upgraded. Happy Helming!\n`);
    process.stdout.write(statusText(next));
  },
};
