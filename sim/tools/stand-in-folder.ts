/**
 * A folder of stand-in tools named the way the activities look for them on a search path:
 * `istioctl-1.27` for every Istio minor a scenario may move through (the stand-in takes its
 * release from its name: the newest patch the project knows), `istioctl-1.28.3` for each exact
 * patch asked for (a rehearsal offers each hop's), `helm`, and `terraform` (Terraform's JSON
 * syntax only: sim/tools/terraform/). The demo and end-to-end tests
 * point the worker at it.
 */
import { chmodSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VERSION_ENV } from './istio/tool-version.js';

const SIM_BIN = fileURLToPath(new URL('../bin/', import.meta.url));

/** Istio minors the stand-in istioctl can claim, 1.20 through 1.29. */
export const STAND_IN_MINORS = Array.from({ length: 10 }, (_, index) => `1.${20 + index}`);

export interface StandInOptions {
  /** `istioctl-<minor>` for each; default 1.20 through 1.29. */
  minors?: readonly string[];
  /** `istioctl-<patch>` for each exact release, e.g. every hop of a plan. */
  patches?: readonly string[];
  /**
   * Binaries that report another release than their name says, as an operator's stale download:
   * `{ 'istioctl-1.28.3': '1.28.0' }`. Each acts as the release it reports (installs it too).
   */
  misreporting?: Readonly<Record<string, string>>;
}

const VERSION = /^\d+\.\d+(\.\d+)?$/;

export function standInToolsFolder(options: StandInOptions = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'istio-stand-ins-'));
  const named = new Set([...(options.minors ?? STAND_IN_MINORS), ...(options.patches ?? [])]);
  for (const version of named) {
    if (!VERSION.test(version)) throw new Error(`stand-in istioctl: "${version}" is not an Istio version`);
    if (options.misreporting?.[`istioctl-${version}`] === undefined)
      symlinkSync(join(SIM_BIN, 'istioctl'), join(dir, `istioctl-${version}`));
  }
  for (const [name, reports] of Object.entries(options.misreporting ?? {})) {
    if (!/^istioctl-/.test(name) || !VERSION.test(reports))
      throw new Error(`stand-in istioctl: misreporting ${name}: expected istioctl-<version> and a version`);
    // Invoked as plain `istioctl`, the stand-in takes its release from the environment instead of its name.
    const wrapper = join(dir, name);
    writeFileSync(
      wrapper,
      `#!/usr/bin/env bash\nexport ${VERSION_ENV}=${reports}\nexec ${JSON.stringify(join(SIM_BIN, 'istioctl'))} "$@"\n`,
    );
    chmodSync(wrapper, 0o755);
  }
  symlinkSync(join(SIM_BIN, 'helm'), join(dir, 'helm'));
  symlinkSync(join(SIM_BIN, 'terraform'), join(dir, 'terraform'));
  return dir;
}
