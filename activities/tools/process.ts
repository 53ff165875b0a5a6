/**
 * The one way the worker starts a process, for tools (istioctl, helm) and spec-defined test
 * commands alike: an argument array (never a shell string), a timeout on every call,
 * cancellation wired to the activity, heartbeats while it runs, and an explicit minimal
 * environment. The worker's own environment holds TEMPORAL_API_KEY, cloud credentials and
 * the like; a child inherits none of it, only the variables named here.
 */
import { execa } from 'execa';
import { currentCancellationSignal, heartbeat, heartbeatIntervalMs } from '../context.js';

/**
 * Passed through from the worker when set: what a process needs to run at all (PATH, HOME,
 * locale, temp dir) and what istioctl and helm document (proxies, CA bundles, helm's and XDG's
 * cache and config folders). KUBECONFIG is set by the caller, never inherited.
 */
export const PASSED_THROUGH_ENV = [
  'PATH',
  'HOME',
  'USER',
  'LANG',
  'LC_ALL',
  'TZ',
  'TMPDIR',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'XDG_CACHE_HOME',
  'XDG_CONFIG_HOME',
  'XDG_DATA_HOME',
  'HELM_CACHE_HOME',
  'HELM_CONFIG_HOME',
  'HELM_DATA_HOME',
  'HELM_PLUGINS',
  'HELM_REGISTRY_CONFIG',
  'HELM_REPOSITORY_CACHE',
  'HELM_REPOSITORY_CONFIG',
] as const;

export function minimalEnv(
  extra: Readonly<Record<string, string>> = {},
  from: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of PASSED_THROUGH_ENV) {
    const value = from[name];
    if (value !== undefined) env[name] = value;
  }
  return { ...env, ...extra };
}

export interface ProcessOptions {
  timeoutMs: number;
  /** Variables on top of the minimal environment: KUBECONFIG, or what a spec's test names. */
  env?: Readonly<Record<string, string>>;
  /** Text fed to stdin; stdin is closed otherwise, so a prompt answers "no" instead of hanging. */
  input?: string;
  /** What the heartbeat says is running: the redacted command. */
  describe: string;
}

export interface ProcessResult {
  /** Undefined when the process did not exit by itself (not started, killed, timed out). */
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  signal: string | undefined;
  /** `ENOENT`, `EACCES` when the program could not be started. */
  startError: string | undefined;
  durationMs: number;
}

/**
 * Runs a program to its end. A cancelled activity kills the process and rethrows the
 * cancellation; every other outcome is returned for the caller to judge, since a non-zero exit
 * is an answer for a test and a failure for a tool.
 */
export async function runProcess(
  program: string,
  args: readonly string[],
  options: ProcessOptions,
): Promise<ProcessResult> {
  const cancelSignal = currentCancellationSignal();
  const started = Date.now();
  // Cancellation reaches an activity only through a heartbeat; `helm --wait` or a smoke test may run for minutes.
  const beat = setInterval(
    () => heartbeat({ message: `running ${options.describe}`, elapsedMs: Date.now() - started }),
    heartbeatIntervalMs(),
  );
  try {
    const result = await execa(program, [...args], {
      reject: false,
      timeout: options.timeoutMs,
      forceKillAfterDelay: 5_000,
      extendEnv: false,
      env: minimalEnv(options.env),
      ...(cancelSignal === undefined ? {} : { cancelSignal }),
      ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
      stripFinalNewline: true,
      maxBuffer: 64 * 1024 * 1024,
    });
    if (result.isCanceled && cancelSignal?.reason instanceof Error) throw cancelSignal.reason;
    return {
      exitCode: result.exitCode,
      stdout: typeof result.stdout === 'string' ? result.stdout : '',
      stderr: typeof result.stderr === 'string' ? result.stderr : '',
      timedOut: result.timedOut,
      signal: result.signal,
      startError:
        result.exitCode === undefined && (result.code === 'ENOENT' || result.code === 'EACCES')
          ? result.code
          : undefined,
      durationMs: Date.now() - started,
    };
  } finally {
    clearInterval(beat);
  }
}
