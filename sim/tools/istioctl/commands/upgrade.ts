/**
 * `istioctl upgrade`: an in-place upgrade of one revision (the revision-less control plane
 * unless `--revision` says otherwise) to this istioctl's version, keeping the settings it runs
 * with (profile, mesh config, compatibilityVersion, pilot env) unless flags override them.
 * Like the real command it refuses to cross more than one minor at a time.
 */
import { confirm } from '../../cli/confirm.js';
import { ToolError } from '../../cli/tool-error.js';
import { meshConfigMapName } from '../../../istio/manifests.js';
import { controlPlanes, meshConfigOf } from '../../istio/cluster.js';
import { minorOf } from '../../istio/tool-version.js';
import type { Command } from '../command.js';
import { applyInstall } from '../apply-install.js';
import { installSettings, type OperatorSpec } from '../install-settings.js';
import { INGRESS_GATEWAY, renderInstall } from '../render.js';
import { INSTALL_FLAGS, readinessTimeout } from './install-flags.js';
import { readObject } from '../../kube/objects.js';

const DERIVED_ENV = new Set(['REVISION', 'PILOT_ENABLE_AMBIENT', 'COMPATIBILITY_VERSION']);

export const upgradeCommand: Command = {
  path: ['upgrade'],
  summary: 'Upgrade Istio control plane in-place',
  flags: INSTALL_FLAGS,
  run: async (ctx, flags) => {
    const kube = ctx.kube();
    const probe = installSettings({
      files: flags.strings('filename'),
      sets: flags.strings('set'),
      revisionFlag: flags.string('revision'),
      toolVersion: ctx.version,
    });
    const current = (await controlPlanes(kube, probe.namespace)).find((c) => c.revision === probe.revision);
    if (!current)
      throw new ToolError(
        `control plane revision "${probe.revision}" not found in namespace "${probe.namespace}": use istioctl install`,
      );
    const skew = minorOf(ctx.version) - minorOf(current.version);
    if (Math.abs(skew) > 1) {
      throw new ToolError(
        `upgrade is currently not supported: ${current.version} -> ${ctx.version}: Istio supports upgrading one minor version at a time`,
      );
    }
    const ambient = current.env.PILOT_ENABLE_AMBIENT === 'true';
    const gateway =
      probe.revision === 'default'
        ? await readObject(kube, 'apps/v1', 'Deployment', INGRESS_GATEWAY, probe.namespace)
        : undefined;
    const meshConfig = await meshConfigOf(kube, probe.namespace, meshConfigMapName(probe.revision));
    const base: OperatorSpec = {
      profile: ambient ? 'ambient' : gateway ? 'default' : 'minimal',
      ...(meshConfig ? { meshConfig } : {}),
      values: {
        ...(current.env.COMPATIBILITY_VERSION ? { compatibilityVersion: current.env.COMPATIBILITY_VERSION } : {}),
        pilot: { env: Object.fromEntries(Object.entries(current.env).filter(([k]) => !DERIVED_ENV.has(k))) },
      },
    };
    const settings = installSettings({
      files: flags.strings('filename'),
      sets: flags.strings('set'),
      revisionFlag: flags.string('revision'),
      toolVersion: ctx.version,
      base,
    });
    const timeout = readinessTimeout(flags);
    process.stdout.write(`Upgrade version check passed: ${current.version} -> ${ctx.version}.\n`);
    if (flags.bool('dry-run')) return;
    if (
      !flags.bool('skip-confirmation') &&
      !(await confirm(
        `This will install the Istio ${ctx.version} profile "${settings.profile}" into the cluster. Proceed? (y/N)`,
      ))
    ) {
      process.stdout.write('Cancelled.\n');
      throw new ToolError('');
    }
    await applyInstall(kube, renderInstall(settings, ctx.version), timeout.ms, timeout.text);
    process.stdout.write(
      `Upgrade to ${ctx.version} complete. Restart your workloads so their proxies take the new version.\n`,
    );
  },
};
