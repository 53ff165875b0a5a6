/**
 * `istioctl manifest generate`: prints, as multi-document YAML, every object `install` with the
 * same flags would apply, without touching the cluster. Runbooks use it to know what an install
 * owns and to check that each of those objects is in place.
 */
import { stringify } from 'yaml';
import type { Command } from '../command.js';
import { installSettings } from '../install-settings.js';
import { renderInstall } from '../render.js';
import { INSTALL_FLAGS } from './install-flags.js';

export const manifestGenerateCommand: Command = {
  path: ['manifest', 'generate'],
  summary: 'Generates an Istio install manifest',
  flags: INSTALL_FLAGS.filter((f) => f.name === 'set' || f.name === 'filename' || f.name === 'revision'),
  run: (ctx, flags) => {
    const settings = installSettings({
      files: flags.strings('filename'),
      sets: flags.strings('set'),
      revisionFlag: flags.string('revision'),
      toolVersion: ctx.version,
    });
    const objects = renderInstall(settings, ctx.version).flatMap((p) => p.objects);
    process.stdout.write(objects.map((o) => stringify(o)).join('---\n'));
    return Promise.resolve();
  },
};
