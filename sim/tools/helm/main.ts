/**
 * The helm stand-in: the subcommands runbooks use for Istio's charts, with helm's global flags
 * (`--kube-context`, not kubectl's `--context`) and pflag's unknown-flag failures.
 */
import { Flags, parseFlags, splitCommand, type FlagSpec } from '../cli/flags.js';
import { ToolError } from '../cli/tool-error.js';
import { connect, type Kube } from '../kube/connect.js';
import { CHARTS } from './charts.js';
import type { HelmCommand, HelmContext } from './command.js';
import { listCommand } from './commands/list.js';
import { historyCommand, rollbackCommand } from './commands/rollback.js';
import { showChartCommand } from './commands/show.js';
import { getValuesCommand, statusCommand } from './commands/status.js';
import { uninstallCommand } from './commands/uninstall.js';
import { upgradeCommand } from './commands/upgrade.js';

export const HELM_VERSION = 'v3.18.4';

const GLOBAL_FLAGS: FlagSpec[] = [
  { name: 'namespace', short: 'n', kind: 'string', help: 'namespace scope for this request' },
  { name: 'kubeconfig', kind: 'string', help: 'path to the kubeconfig file' },
  { name: 'kube-context', kind: 'string', help: 'name of the kubeconfig context to use' },
  { name: 'debug', kind: 'bool', help: 'enable verbose output' },
  { name: 'help', short: 'h', kind: 'bool', help: 'help for helm' },
];

const versionCommand: HelmCommand = {
  path: ['version'],
  summary: 'print the client version information',
  flags: [{ name: 'short', kind: 'bool', help: 'print the version number' }],
  run: (_ctx, flags) => {
    process.stdout.write(
      flags.bool('short')
        ? `${HELM_VERSION}+gsim\n`
        : `version.BuildInfo{Version:"${HELM_VERSION}", GitCommit:"sim", GitTreeState:"clean", GoVersion:"go1.24.4"}\n`,
    );
    return Promise.resolve();
  },
};

const COMMANDS: HelmCommand[] = [
  upgradeCommand,
  rollbackCommand,
  historyCommand,
  uninstallCommand,
  listCommand,
  statusCommand,
  getValuesCommand,
  showChartCommand,
  versionCommand,
];

const paths = (c: HelmCommand): string[][] => [c.path, ...(c.aliases ?? [])];
const same = (a: string[], b: string[]): boolean => a.length === b.length && a.every((w, i) => w === b[i]);
const isPrefix = (prefix: string[]): boolean =>
  COMMANDS.some((c) => paths(c).some((p) => same(p.slice(0, prefix.length), prefix)));

function help(): string {
  return [
    'The Kubernetes package manager (simulated cluster stand-in).',
    '',
    `Charts: ${CHARTS.map((c) => `istio/${c}`).join(', ')} (bare names work too); the chart version is the Istio version.`,
    'Releases are stored as Secrets sh.helm.release.v1.<name>.v<N>, reached through --kubeconfig or $KUBECONFIG.',
    '',
    'Usage:',
    '  helm [command]',
    '',
    'Available Commands:',
    ...COMMANDS.map((c) => `  ${c.path.join(' ').padEnd(14)}${c.summary}`),
    '',
    'Flags:',
    ...GLOBAL_FLAGS.map((f) => `  ${(f.short ? `-${f.short}, ` : '    ') + `--${f.name}`.padEnd(18)}${f.help}`),
    '',
  ].join('\n');
}

export async function helm(args: readonly string[]): Promise<void> {
  const { path, rest } = splitCommand(args, GLOBAL_FLAGS, isPrefix);
  const command = COMMANDS.find((c) => paths(c).some((p) => same(p, path)));
  if (!command) {
    const word = rest.find((r) => !r.startsWith('-'));
    const parent = path.length ? `helm ${path.join(' ')}` : 'helm';
    if (word !== undefined)
      throw new ToolError(`unknown command "${word}" for "${parent}"\nRun '${parent} --help' for usage.`);
    new Flags(parseFlags(rest, GLOBAL_FLAGS));
    process.stdout.write(help());
    return;
  }
  const flags = new Flags(parseFlags(rest, [...command.flags, ...GLOBAL_FLAGS]));
  if (flags.bool('help')) {
    process.stdout.write(
      `${command.summary}\n\nUsage:\n  helm ${command.path.join(' ')} [flags]\n\nFlags:\n${[...command.flags, ...GLOBAL_FLAGS].map((f) => `  ${(f.short ? `-${f.short}, ` : '    ') + `--${f.name}`.padEnd(20)}${f.help}`).join('\n')}\n`,
    );
    return;
  }
  let kube: Kube | undefined;
  const ctx: HelmContext = {
    kube: () => (kube ??= connect({ kubeconfig: flags.string('kubeconfig'), context: flags.string('kube-context') })),
    namespace: () => flags.string('namespace') ?? ctx.kube().contextNamespace,
  };
  await command.run(ctx, flags);
}
