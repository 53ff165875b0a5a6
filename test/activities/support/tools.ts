/**
 * A folder of tool names as a runbook host has them (`istioctl-1.26`, `istioctl-1.28`, `helm`),
 * each a symlink to a stand-in in sim/bin, so the adapters resolve and run them as processes.
 */
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SIM_BIN } from './sim.js';

export function toolsFolder(links: Record<string, 'istioctl' | 'helm'>): string {
  const dir = mkdtempSync(join(tmpdir(), 'runbook-tools-'));
  for (const [name, standIn] of Object.entries(links)) symlinkSync(join(SIM_BIN, standIn), join(dir, name));
  return dir;
}
