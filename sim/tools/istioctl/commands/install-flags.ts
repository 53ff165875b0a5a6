/** The flags `install` and `upgrade` share, as istioctl declares them. */
import type { Flags, FlagSpec } from '../../cli/flags.js';
import { parseDuration } from '../../cli/duration.js';
import { REVISION, SKIP_CONFIRMATION } from '../command.js';

export const INSTALL_FLAGS: FlagSpec[] = [
  {
    name: 'set',
    short: 's',
    kind: 'strings',
    help: 'Override an IstioOperator value, e.g. to choose a profile (--set profile=demo)',
  },
  { name: 'filename', short: 'f', kind: 'strings', help: 'Path to file containing IstioOperator custom resource' },
  SKIP_CONFIRMATION,
  REVISION,
  {
    name: 'readiness-timeout',
    kind: 'string',
    help: 'Maximum time to wait for Istio resources in each component to be ready',
    defaultText: '5m0s',
  },
  { name: 'dry-run', kind: 'bool', help: 'Console/log output only, make no changes' },
  { name: 'verify', kind: 'bool', help: 'Verify the Istio control plane after installation/in-place upgrade' },
];

export function readinessTimeout(flags: Flags): { ms: number; text: string } {
  const text = flags.string('readiness-timeout') ?? '5m0s';
  return { ms: parseDuration(text), text };
}
