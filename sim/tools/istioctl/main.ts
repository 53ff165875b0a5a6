/**
 * The istioctl stand-in: finds the subcommand the way cobra does, parses global and command
 * flags with pflag's rules (unknown ones fail with its wording), and runs the command against
 * the cluster named by the kubeconfig.
 */
import { Flags, parseFlags, splitCommand, type FlagSpec } from '../cli/flags.js';
import { ToolError } from '../cli/tool-error.js';
import { connect, type Kube } from '../kube/connect.js';
import { claimedVersion, DEFAULT_ISTIOCTL_VERSION, VERSION_ENV } from '../istio/tool-version.js';
import type { Command, IstioctlContext } from './command.js';
import { installCommand } from './commands/install.js';
import { manifestGenerateCommand } from './commands/manifest.js';
import { precheckCommand } from './commands/precheck.js';
import { proxyStatusCommand } from './commands/proxy-status.js';
import { tagListCommand, tagRemoveCommand, tagSetCommand } from './commands/tag.js';
import { uninstallCommand } from './commands/uninstall.js';
import { upgradeCommand } from './commands/upgrade.js';
import { versionCommand } from './commands/version.js';
import { ztunnelWorkloadsCommand } from './commands/ztunnel-config.js';

const GLOBAL_FLAGS: FlagSpec[] = [
  { name: 'kubeconfig', short: 'c', kind: 'string', help: 'Kubernetes configuration file' },
  { name: 'context', kind: 'string', help: 'Kubernetes configuration context' },
  { name: 'istioNamespace', short: 'i', kind: 'string', help: 'Istio system namespace', defaultText: 'istio-system' },
  { name: 'namespace', short: 'n', kind: 'string', help: 'Kubernetes namespace' },
  { name: 'vklog', kind: 'string', help: 'number for the log level verbosity' },
  { name: 'help', short: 'h', kind: 'bool', help: 'help for istioctl' },
];

const COMMANDS: Command[] = [
  versionCommand,
  precheckCommand,
  installCommand,
  manifestGenerateCommand,
  upgradeCommand,
  uninstallCommand,
  proxyStatusCommand,
  tagSetCommand,
  tagListCommand,
  tagRemoveCommand,
  ztunnelWorkloadsCommand,
];

/** Words that only group subcommands, with the name cobra reports in "unknown command … for". */
const GROUPS: Record<string, string> = {
  manifest: 'istioctl manifest',
  x: 'istioctl experimental',
  experimental: 'istioctl experimental',
  tag: 'istioctl tag',
  'ztunnel-config': 'istioctl ztunnel-config',
  zc: 'istioctl ztunnel-config',
};

const paths = (c: Command): string[][] => [c.path, ...(c.aliases ?? [])];
const same = (a: string[], b: string[]): boolean => a.length === b.length && a.every((w, i) => w === b[i]);
const isPrefix = (prefix: string[]): boolean =>
  COMMANDS.some((c) => paths(c).some((p) => same(p.slice(0, prefix.length), prefix)));

function help(version: string): string {
  return [
    `Istio configuration command line utility (simulated cluster stand-in), release ${version}.`,
    '',
    `The release comes from the invoked name (istioctl-1.28 takes the latest known 1.28 patch,`,
    `istioctl-1.28.1 is exact), else from $${VERSION_ENV}, else ${DEFAULT_ISTIOCTL_VERSION}.`,
    'It acts only through the Kubernetes API named by --kubeconfig or $KUBECONFIG.',
    '',
    'Usage:',
    '  istioctl [command]',
    '',
    'Available Commands:',
    ...COMMANDS.map((c) => `  ${c.path.join(' ').padEnd(28)}${c.summary}`),
    '',
    'Global Flags:',
    ...GLOBAL_FLAGS.map(
      (f) =>
        `  ${(f.short ? `-${f.short}, ` : '    ') + `--${f.name}`.padEnd(22)}${f.help}${f.defaultText ? ` (default "${f.defaultText}")` : ''}`,
    ),
    '',
  ].join('\n');
}

function commandHelp(c: Command): string {
  const flags = [...c.flags, ...GLOBAL_FLAGS];
  return [
    `${c.summary}`,
    '',
    'Usage:',
    `  istioctl ${c.path.join(' ')} [flags]`,
    '',
    'Flags:',
    ...flags.map(
      (f) =>
        `  ${(f.short ? `-${f.short}, ` : '    ') + `--${f.name}`.padEnd(24)}${f.help}${f.defaultText ? ` (default ${f.defaultText})` : ''}`,
    ),
    '',
  ].join('\n');
}

export async function istioctl(args: readonly string[], invokedAs: string): Promise<void> {
  const version = claimedVersion(invokedAs, process.env[VERSION_ENV]);
  const { path, rest } = splitCommand(args, GLOBAL_FLAGS, isPrefix);
  const command = COMMANDS.find((c) => paths(c).some((p) => same(p, path)));
  if (!command) {
    const group = path.length > 0 ? GROUPS[path[0] ?? ''] : undefined;
    const firstWord = rest.find((r) => !r.startsWith('-'));
    if (firstWord !== undefined)
      throw new ToolError(
        `unknown command "${firstWord}" for "${group ?? 'istioctl'}"\nRun '${group ?? 'istioctl'} --help' for usage.`,
      );
    const flags = new Flags(parseFlags(rest, GLOBAL_FLAGS));
    if (path.length === 0 || flags.bool('help')) {
      process.stdout.write(help(version));
      return;
    }
    throw new ToolError(`"${path.join(' ')}" needs a subcommand\nRun 'istioctl ${path.join(' ')} --help' for usage.`);
  }
  const flags = new Flags(parseFlags(rest, [...command.flags, ...GLOBAL_FLAGS]));
  if (flags.bool('help')) {
    process.stdout.write(commandHelp(command));
    return;
  }
  let kube: Kube | undefined;
  const ctx: IstioctlContext = {
    version,
    istioNamespace: flags.string('istioNamespace') ?? 'istio-system',
    kube: () => (kube ??= connect({ kubeconfig: flags.string('kubeconfig'), context: flags.string('context') })),
  };
  await command.run(ctx, flags);
}
