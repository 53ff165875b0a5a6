/**
 * Starts the Temporal CLI dev server as a child process with the project's search attributes
 * registered, and resolves once its frontend answers. Used by `npm run temporal` and, when the
 * SDK's own launcher misses its start-up window on a slow machine, by the tests.
 */
import { Connection } from '@temporalio/client';
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { dirname, join } from 'node:path';
import { SEARCH_ATTRIBUTES } from '../core/vocabulary.js';
import { projectRoot, temporalCliPath } from './tools.js';

export interface DevServerOptions {
  port?: number;
  /** Web UI port; omit for a headless server. */
  uiPort?: number;
  /** SQLite file that keeps workflows across restarts; omit for in-memory. */
  dbFilename?: string;
  /** How long to wait for the frontend to accept connections. */
  startTimeoutMs?: number;
  /** Where the server's own log goes; default: discarded. */
  logTo?: 'inherit' | 'ignore';
}

export interface DevServer {
  address: string;
  uiAddress?: string;
  stop(): Promise<void>;
}

export function searchAttributeArgs(): string[] {
  return Object.entries(SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function untilHealthy(address: string, deadline: number, exited: () => string | undefined): Promise<void> {
  for (;;) {
    const problem = await Connection.connect({ address, connectTimeout: '2s' }).then(
      async (connection) => {
        try {
          await connection.workflowService.getSystemInfo({});
          return undefined;
        } catch (err) {
          return (err as Error).message;
        } finally {
          await connection.close();
        }
      },
      (err: unknown) => (err as Error).message,
    );
    if (problem === undefined) return;
    const gone = exited();
    if (gone) throw new Error(`temporal dev server ${gone} before it was healthy`);
    if (Date.now() > deadline) throw new Error(`temporal dev server at ${address} not healthy in time: ${problem}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const port = options.port ?? (await freePort());
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'warn'];
  if (options.uiPort !== undefined) args.push('--ui-port', String(options.uiPort));
  else args.push('--headless');
  if (options.dbFilename) args.push('--db-filename', options.dbFilename);
  args.push(...searchAttributeArgs());

  const child = spawn(temporalCliPath(), args, {
    stdio: ['ignore', options.logTo ?? 'ignore', options.logTo ?? 'ignore'],
  });
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `exited with ${signal ?? code}`;
  });

  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  while (!(await accepts(port))) {
    if (exited) throw new Error(`temporal dev server ${exited} before accepting connections on port ${port}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`temporal dev server did not accept connections on port ${port} in time`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  // A listening port is not a serving frontend: on a busy machine the first calls were seen
  // answered "Frontend is not healthy yet" for a while, and a client started then gave up.
  await untilHealthy(`127.0.0.1:${port}`, deadline, () => exited);

  return {
    address: `127.0.0.1:${port}`,
    ...(options.uiPort !== undefined && { uiAddress: `http://127.0.0.1:${options.uiPort}` }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * The developer's local Temporal: frontend on TEMPORAL_PORT (7233), Web UI on TEMPORAL_UI_PORT
 * (8233), state in TEMPORAL_DB_FILE (default .temporal/dev.db) so paused upgrades survive a
 * restart. Stops on Ctrl-C.
 */
export async function startLocalTemporal(options: Pick<DevServerOptions, 'logTo'> = {}): Promise<DevServer> {
  const dbFilename = process.env.TEMPORAL_DB_FILE ?? join(projectRoot, '.temporal', 'dev.db');
  mkdirSync(dirname(dbFilename), { recursive: true });
  const server = await startDevServer({
    port: Number(process.env.TEMPORAL_PORT ?? 7233),
    uiPort: Number(process.env.TEMPORAL_UI_PORT ?? 8233),
    dbFilename,
    ...options,
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void server.stop().then(() => process.exit(0)));
  }
  return server;
}
