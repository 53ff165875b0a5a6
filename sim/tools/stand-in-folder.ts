/**
 * A folder of stand-in tools named the way the activities look for them on a search path:
 * `istioctl-1.27` for every Istio minor a scenario may move through (the stand-in takes its
 * release from its name), and `helm`. The demo and end-to-end tests point the worker at it.
 */
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SIM_BIN = fileURLToPath(new URL('../bin/', import.meta.url));

/** Istio minors the stand-in istioctl can claim, 1.20 through 1.29. */
export const STAND_IN_MINORS = Array.from({ length: 10 }, (_, index) => `1.${20 + index}`);

export function standInToolsFolder(minors: readonly string[] = STAND_IN_MINORS): string {
  const dir = mkdtempSync(join(tmpdir(), 'istio-stand-ins-'));
  for (const minor of minors) symlinkSync(join(SIM_BIN, 'istioctl'), join(dir, `istioctl-${minor}`));
  symlinkSync(join(SIM_BIN, 'helm'), join(dir, 'helm'));
  return dir;
}
