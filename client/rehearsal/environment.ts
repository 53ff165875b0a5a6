/**
 * What a rehearsal runs on, all of it private to the run and stopped with it: the simulator as a
 * child process (started from this checkout's sim/main.ts, reached over HTTPS through the
 * kubeconfig it writes, like any cluster: production code never imports sim/) and, unless the
 * operator asks for their own, an ephemeral in-memory Temporal dev server, so a rehearsal never
 * touches production's Temporal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { cliFailure, usage } from '../errors.js';

const PACKAGE_NAME = 'istio-upgrade-runbooks';

/** The checkout this CLI runs from (the source tree under tsx, or above dist/ once built). */
export function projectRoot(from: string = fileURLToPath(import.meta.url)): string {
  for (let dir = dirname(from); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === PACKAGE_NAME)
      return dir;
  }
  throw cliFailure(
    `rehearse needs the ${PACKAGE_NAME} checkout (its simulator and Temporal binaries); none found above ${from}`,
  );
}

export interface SimulatedCluster {
  kubeconfig: string;
  url: string;
  /** Stand-in istioctl-<minor>, istioctl-<patch> for each hop and helm acting on this cluster. */
  tools: string;
  scenario: string;
  stop(): Promise<void>;
}

interface ReadyLine {
  ready: true;
  kubeconfig: string;
  url: string;
  tools: string;
  scenario: string;
}

/**
 * Starts `sim/main.ts` and waits for its ready line. A scenario or faults file the simulator
 * refuses is the operator's input: its message (naming the field) becomes a usage error.
 */
export async function startSimulator(
  root: string,
  options: { scenario: string; timeScale: number; faults?: string; patches?: readonly string[] },
): Promise<SimulatedCluster> {
  const args = [
    '--import',
    'tsx',
    join(root, 'sim', 'main.ts'),
    '--scenario',
    options.scenario,
    '--time-scale',
    String(options.timeScale),
    '--ready-json',
    '--stand-in-tools',
  ];
  if (options.faults !== undefined) args.push('--faults', options.faults);
  // istioctl-<minor> stand-ins claim the newest patch the project knows: each hop's exact patch is offered too.
  if (options.patches !== undefined && options.patches.length > 0)
    args.push('--stand-in-patches', options.patches.join(','));
  const child: ChildProcess = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<ReadyLine | null>((resolve) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      try {
        const parsed = JSON.parse(line) as Partial<ReadyLine>;
        if (parsed.ready === true) resolve(parsed as ReadyLine);
      } catch {
        // Anything else the simulator prints is for a human.
      }
    });
    lines.once('close', () => resolve(null));
  });
  const line = await Promise.race([ready, exited.then(() => null)]);
  if (line === null) {
    const code = await exited;
    const message = stderr.trim() || `the simulator exited with ${String(code)}`;
    if (code === 2) throw usage(message);
    throw cliFailure(`the simulator did not start: ${message}`);
  }
  return {
    kubeconfig: line.kubeconfig,
    url: line.url,
    tools: line.tools,
    scenario: line.scenario,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface PrivateTemporal {
  address: string;
  stop(): Promise<void>;
}

/** An in-memory dev server on a free port, with the project's search attributes; gone when stopped. */
export async function startPrivateTemporal(root: string): Promise<PrivateTemporal> {
  // Built into dist/, scripts/tools.ts would look for the binaries under dist/: point it at the checkout's.
  process.env.ISTIO_UPGRADE_TOOLS_DIR ??= join(root, '.tools');
  const { startDevServer } = await import('../../scripts/dev-server.js');
  try {
    return await startDevServer({ startTimeoutMs: 60_000 });
  } catch (err) {
    throw cliFailure(
      `could not start a private Temporal dev server for the rehearsal: ${err instanceof Error ? err.message : String(err)}; run \`npm run setup\`, or pass --temporal to use TEMPORAL_ADDRESS`,
      err,
    );
  }
}

/**
 * A rehearsal's scratch folder and everything it started, stopped in reverse order once it ends,
 * and also on Ctrl-C or SIGTERM, so no simulator, dev server or worker outlives the command.
 */
export interface Scratch {
  dir: string;
  /** Stops or removes something the rehearsal started; run in reverse order of registration. */
  onCleanup(fn: () => Promise<unknown>): void;
  /** Runs every cleanup (failures ignored) and stops listening for signals. */
  close(): Promise<void>;
}

export async function openScratch(prefix: string): Promise<Scratch> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const cleanups: (() => Promise<unknown>)[] = [() => rm(dir, { recursive: true, force: true })];
  const cleanup = async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
  };
  const onSignal = () => void cleanup().then(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    dir,
    onCleanup: (fn) => {
      cleanups.push(fn);
    },
    close: async () => {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      await cleanup();
    },
  };
}
