/**
 * The local backend: state in `terraform.tfstate` (format version 4) in the working directory,
 * and its lock: while an operation holds it, `.terraform.tfstate.lock.info` beside it records
 * who (the JSON real Terraform writes there). A second run waits up to `-lock-timeout`, then
 * fails with Terraform's "Error acquiring the state lock" and the holder's Lock Info.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TerraformError } from './errors.js';

export const TERRAFORM_VERSION = '1.9.8';
export const STATE_FILE = 'terraform.tfstate';
export const LOCK_FILE = '.terraform.tfstate.lock.info';

export interface ResourceState {
  mode: 'managed';
  type: string;
  name: string;
  provider: string;
  instances: { schema_version: number; attributes: Record<string, unknown> }[];
}

export interface State {
  version: 4;
  terraform_version: string;
  serial: number;
  lineage: string;
  outputs: Record<string, unknown>;
  resources: ResourceState[];
}

export const PROVIDERS: Record<string, string> = {
  helm_release: 'provider["registry.terraform.io/hashicorp/helm"]',
  terraform_data: 'provider["terraform.io/builtin/terraform"]',
};

export function readState(dir: string): State {
  const path = join(dir, STATE_FILE);
  if (!existsSync(path))
    return {
      version: 4,
      terraform_version: TERRAFORM_VERSION,
      serial: 0,
      lineage: randomUUID(),
      outputs: {},
      resources: [],
    };
  const state = JSON.parse(readFileSync(path, 'utf8')) as State;
  if (state.version !== 4)
    throw new TerraformError('Unsupported state file format', `state version ${String(state.version)}`);
  return state;
}

/** Written whole through a temp file, as the local backend does, keeping the previous one as `.backup`. */
export function writeState(dir: string, state: State): void {
  const path = join(dir, STATE_FILE);
  if (existsSync(path)) writeFileSync(`${path}.backup`, readFileSync(path));
  writeFileSync(`${path}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

export interface LockInfo {
  ID: string;
  Operation: string;
  Info: string;
  Who: string;
  Version: string;
  Created: string;
  Path: string;
}

function lockText(info: LockInfo): string {
  return [
    'Lock Info:',
    `  ID:        ${info.ID}`,
    `  Path:      ${info.Path}`,
    `  Operation: ${info.Operation}`,
    `  Who:       ${info.Who}`,
    `  Version:   ${info.Version}`,
    `  Created:   ${info.Created}`,
    `  Info:      ${info.Info}`,
  ].join('\n');
}

const LOCK_HELP =
  'Terraform acquires a state lock to protect the state from being written\nby multiple users at the same time. Please resolve the issue above and try\nagain. For most commands, you can disable locking with the "-lock=false"\nflag, but this is not recommended.';

/** Go's time.Time String(), as Terraform prints `Created`. */
const goTime = (d: Date): string =>
  `${d
    .toISOString()
    .replace('T', ' ')
    .replace(/\.(\d{3})Z$/, '.$1000000')} +0000 UTC`;

/** Takes the lock for `operation`, waiting up to `timeoutMs` for another holder; returns its release. */
export async function lockState(
  dir: string,
  operation: 'OperationTypePlan' | 'OperationTypeApply',
  timeoutMs: number,
): Promise<() => void> {
  const path = join(dir, LOCK_FILE);
  const info: LockInfo = {
    ID: randomUUID(),
    Operation: operation,
    Info: '',
    Who: `${userInfo().username}@${hostname()}`,
    Version: TERRAFORM_VERSION,
    Created: goTime(new Date()),
    Path: STATE_FILE,
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      writeFileSync(path, JSON.stringify(info), { flag: 'wx' });
      return () => {
        try {
          unlinkSync(path);
        } catch {
          // Already gone: someone ran force-unlock.
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (Date.now() >= deadline) {
      let holder: LockInfo;
      try {
        holder = JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
      } catch {
        continue;
      }
      throw new TerraformError(
        'Error acquiring the state lock',
        `Error message: resource temporarily unavailable\n${lockText(holder)}\n\n${LOCK_HELP}`,
      );
    }
    await sleep(250);
  }
}

/** `-lock-timeout=30s`, `2m`, `0s`. */
export function lockTimeoutMs(text: string | undefined): number {
  if (text === undefined) return 0;
  const match = /^(\d+)(ms|s|m|h)$/.exec(text);
  if (match === null) throw new TerraformError('Invalid lock timeout', `"${text}" is not a duration like 30s`);
  const n = Number(match[1]);
  return n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
}
