/**
 * `istioctl install`: creates or converges one control plane revision (and, by profile, the
 * ingress gateway or the ambient node agents) at this istioctl's version, then waits for it to
 * be ready. Objects already as desired are not written, so a repeated install changes nothing.
 */
import { confirm } from '../../cli/confirm.js';
import { ToolError } from '../../cli/tool-error.js';
import type { Command } from '../command.js';
import { applyInstall } from '../apply-install.js';
import { installSettings } from '../install-settings.js';
import { renderInstall } from '../render.js';
import { INSTALL_FLAGS, readinessTimeout } from './install-flags.js';

export const installCommand: Command = {
  path: ['install'],
  aliases: [['apply']],
  summary: 'Applies an Istio manifest, installing or reconfiguring Istio on a cluster',
  flags: INSTALL_FLAGS,
  run: async (ctx, flags) => {
    const settings = installSettings({
      files: flags.strings('filename'),
      sets: flags.strings('set'),
      revisionFlag: flags.string('revision'),
      toolVersion: ctx.version,
    });
    const timeout = readinessTimeout(flags);
    const parts = renderInstall(settings, ctx.version);
    if (flags.bool('dry-run')) {
      for (const p of parts)
        process.stdout.write(`✔ ${p.component} would be installed (${p.objects.length} objects)\n`);
      return;
    }
    if (
      !flags.bool('skip-confirmation') &&
      !(await confirm(
        `This will install the Istio ${ctx.version} profile "${settings.profile}" into the cluster. Proceed? (y/N)`,
      ))
    ) {
      process.stdout.write('Cancelled.\n');
      throw new ToolError('');
    }
    await applyInstall(ctx.kube(), parts, timeout.ms, timeout.text);
    if (settings.revision === 'default')
      process.stdout.write('Made this installation the default for cluster-wide operations.\n');
  },
};
