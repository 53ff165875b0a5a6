/**
 * A real Prometheus for the analysis tests and `npm start`: Debian's `prometheus` binary
 * (installed by scripts/setup-prometheus.sh) run as a child process with a temporary config
 * that scrapes the given targets, on loopback, until `stop()`. `restart()` brings it back on the
 * same port with the same data, for the "Prometheus down mid-upgrade" case.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { stringify } from 'yaml';
import { isExecutable } from '../activities/tools/resolve.js';
import { freePort } from './dev-server.js';

export interface PrometheusOptions {
  /** `host:port` of each scrape target (plain HTTP). */
  targets: string[];
  /** Default `/metrics`. */
  metricsPath?: string;
  /** Default 1: short, so a test sees a change within seconds. */
  scrapeIntervalSeconds?: number;
  /** 0 or absent: a free port. */
  port?: number;
  /** The TSDB folder; absent: a temporary one, removed when this process exits. */
  dataDir?: string;
  /** How long to wait for `/-/ready`; default 30 s. */
  startTimeoutMs?: number;
}

export interface RunningPrometheus {
  /** `http://127.0.0.1:<port>`: the HTTP API is under `/api/v1/`. */
  url: string;
  port: number;
  dataDir: string;
  /** Stops the process; its data stays until this process exits, so `restart()` can follow. */
  stop(): Promise<void>;
  /** Stops it if it runs, then starts it again on the same port with the same data. */
  restart(): Promise<void>;
}

const MISSING = 'run `bash scripts/setup-prometheus.sh` (npm test and npm start do)';

/** The binary: PROMETHEUS_PATH when set, else `prometheus` on the PATH (Debian's is /usr/bin/prometheus). */
export function prometheusPath(): string {
  const configured = process.env.PROMETHEUS_PATH;
  if (configured) {
    if (isExecutable(configured)) return configured;
    throw new Error(
      `PROMETHEUS_PATH=${configured} is not an executable; point it at a prometheus binary or ${MISSING}`,
    );
  }
  const found = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => dir !== '')
    .map((dir) => join(dir, 'prometheus'))
    .find((candidate) => isExecutable(candidate));
  if (!found) throw new Error(`prometheus not found on the PATH (or PROMETHEUS_PATH); ${MISSING}`);
  return found;
}

function configYaml(options: PrometheusOptions): string {
  if (options.targets.length === 0) throw new Error('startPrometheus: targets must name at least one host:port');
  for (const target of options.targets)
    if (!/^[^\s/:]+:\d+$/.test(target)) throw new Error(`startPrometheus: targets: "${target}" is not host:port`);
  const interval = options.scrapeIntervalSeconds ?? 1;
  if (!(interval > 0)) throw new Error('startPrometheus: scrapeIntervalSeconds must be > 0');
  return stringify({
    global: {
      scrape_interval: `${interval}s`,
      // Prometheus refuses a timeout longer than the interval; its default is 10 s.
      scrape_timeout: `${Math.min(interval, 10)}s`,
      evaluation_interval: `${interval}s`,
    },
    scrape_configs: [
      {
        job_name: 'istio-mesh',
        metrics_path: options.metricsPath ?? '/metrics',
        static_configs: [{ targets: options.targets }],
      },
    ],
  });
}

const children = new Set<ChildProcess>();
const temporaryDirs = new Set<string>();
// A test or demo that ends without stop() must not leave a Prometheus or its data behind.
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of temporaryDirs) rmSync(dir, { recursive: true, force: true });
});

const DIR_PREFIX = 'istio-upgrade-prometheus-';
/** Written into each temporary folder: the process that may still restart a Prometheus on it. */
const OWNER_FILE = 'owner.pid';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary folders of processes that are gone: a test runner may end its workers
 * without their exit handlers, and stop() keeps the data for a restart.
 */
function removeAbandonedDirs(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(DIR_PREFIX)) continue;
    const dir = join(tmpdir(), name);
    let owner: number;
    try {
      owner = Number(readFileSync(join(dir, OWNER_FILE), 'utf8'));
    } catch {
      continue;
    }
    if (Number.isInteger(owner) && owner > 0 && !alive(owner)) rmSync(dir, { recursive: true, force: true });
  }
}

async function exited(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function isReady(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) });
    return res.ok;
  } catch {
    return false;
  }
}

export async function startPrometheus(options: PrometheusOptions): Promise<RunningPrometheus> {
  const binary = prometheusPath();
  const config = configYaml(options);
  removeAbandonedDirs();
  const dir = mkdtempSync(join(tmpdir(), DIR_PREFIX));
  temporaryDirs.add(dir);
  writeFileSync(join(dir, OWNER_FILE), String(process.pid));
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, config);
  const dataDir = options.dataDir ?? join(dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const port = options.port || (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const args = [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${dataDir}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--storage.tsdb.retention.time=1d',
    // Debian's defaults point at /etc/prometheus; nothing here uses consoles.
    `--web.console.templates=${dir}`,
    `--web.console.libraries=${dir}`,
    '--log.level=warn',
  ];
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    const log: string[] = [];
    const proc = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    children.add(proc);
    proc.once('exit', () => children.delete(proc));
    proc.stderr?.on('data', (chunk: Buffer) => {
      log.push(chunk.toString());
      if (log.length > 50) log.shift();
    });
    child = proc;
    const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
    for (;;) {
      if (proc.exitCode !== null || proc.signalCode !== null)
        throw new Error(
          `prometheus exited (${proc.exitCode ?? proc.signalCode}) before it was ready:\n${log.join('')}`,
        );
      if (await isReady(url)) return;
      if (Date.now() > deadline) {
        await stopProcess();
        throw new Error(
          `prometheus at ${url} not ready after ${options.startTimeoutMs ?? 30_000} ms:\n${log.join('')}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const stopProcess = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc) return;
    proc.kill('SIGTERM');
    if (!(await exited(proc, 10_000))) {
      proc.kill('SIGKILL');
      await exited(proc, 5_000);
    }
  };

  await start();
  return {
    url,
    port,
    dataDir,
    stop: stopProcess,
    restart: async () => {
      await stopProcess();
      await start();
    },
  };
}
