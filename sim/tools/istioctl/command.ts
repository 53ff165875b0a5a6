/**
 * One istioctl subcommand: its path (`tag set`), its own flags on top of the global ones, and
 * what it does. The context carries what every command may need, resolved lazily so that
 * `--help` and flag errors never touch a cluster.
 */
import type { Flags, FlagSpec } from '../cli/flags.js';
import type { Kube } from '../kube/connect.js';

export interface IstioctlContext {
  /** The Istio release this istioctl claims to be. */
  version: string;
  istioNamespace: string;
  kube(): Kube;
}

export interface Command {
  path: string[];
  aliases?: string[][];
  summary: string;
  flags: FlagSpec[];
  run(ctx: IstioctlContext, flags: Flags): Promise<void>;
}

export const SKIP_CONFIRMATION: FlagSpec = {
  name: 'skip-confirmation',
  short: 'y',
  kind: 'bool',
  help: 'Do not ask for confirmation',
};
export const REVISION: FlagSpec = { name: 'revision', short: 'r', kind: 'string', help: 'Control plane revision' };
