/** One helm subcommand, as in the istioctl stand-in: path, own flags, and what it does. */
import type { Flags, FlagSpec } from '../cli/flags.js';
import type { Kube } from '../kube/connect.js';

export interface HelmContext {
  /** `-n`, else the kubeconfig context's namespace, as helm resolves it. */
  namespace(): string;
  kube(): Kube;
}

export interface HelmCommand {
  path: string[];
  aliases?: string[][];
  summary: string;
  flags: FlagSpec[];
  run(ctx: HelmContext, flags: Flags): Promise<void>;
}

export const OUTPUT: FlagSpec = {
  name: 'output',
  short: 'o',
  kind: 'string',
  help: 'prints the output in the specified format. Allowed values: table, json, yaml',
  defaultText: 'table',
};

export function outputFormat(flags: Flags): 'table' | 'json' | 'yaml' {
  const o = flags.string('output') ?? 'table';
  if (o !== 'table' && o !== 'json' && o !== 'yaml')
    throw new Error(`invalid argument "${o}" for "-o, --output" flag: invalid format type`);
  return o;
}
