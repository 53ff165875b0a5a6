/**
 * Runs the sim's istioctl and helm stand-ins as real processes against a simulated cluster,
 * reached only through its kubeconfig, and links versioned names (`istioctl-1.27`) the way a
 * runbook host would install several istioctl releases.
 */
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { Sim } from '../../../sim/index.js';

export const SIM_BIN = fileURLToPath(new URL('../../../sim/bin/', import.meta.url));

export interface ToolRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function runTool(
  sim: Sim,
  binary: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<ToolRun> {
  const r = await execa(binary, args, {
    reject: false,
    timeout: 60_000,
    stdin: 'ignore',
    env: { KUBECONFIG: sim.kubeconfigPath, SIM_ISTIOCTL_VERSION: '', ...env },
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** A folder of `istioctl-<version>` links to the stand-in, removed by the returned function. */
export function linkIstioctls(versions: string[]): {
  dir: string;
  path: (version: string) => string;
  remove: () => void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'istioctl-links-'));
  for (const v of versions) symlinkSync(join(SIM_BIN, 'istioctl'), join(dir, `istioctl-${v}`));
  return { dir, path: (v) => join(dir, `istioctl-${v}`), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Every write the tool made: the sim's write log grows only with client requests. */
export function writesSince(sim: Sim, seq: number) {
  return sim.writeLog.filter((e) => e.seq > seq);
}

export const lastSeq = (sim: Sim): number => sim.writeLog.at(-1)?.seq ?? 0;
