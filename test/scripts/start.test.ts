/**
 * The README's first quick-start command, as a real process on a fresh Temporal: `npm start --
 * --yes` brings up Temporal, the simulated cluster and a worker, runs the demo canary to the end
 * approving as the demo approver, prints the final status and the report's path, and exits 0;
 * and Ctrl-C in the middle stops everything cleanly, the demo's Prometheus included.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it, onTestFinished } from 'vitest';
import { freePort } from '../../scripts/dev-server.js';
import { projectRoot } from '../../scripts/tools.js';

async function demo(args: string[]) {
  const [port, uiPort] = [await freePort(), await freePort()];
  // Node itself, not npx: signals must reach the script, not a wrapper that may not pass them on.
  const child = execa(process.execPath, ['--import', 'tsx', 'scripts/start.ts', ...args], {
    cwd: projectRoot,
    env: {
      TEMPORAL_PORT: String(port),
      TEMPORAL_UI_PORT: String(uiPort),
      // Never the developer's own .temporal/dev.db, which a running `npm start` holds.
      TEMPORAL_DB_FILE: join(mkdtempSync(join(tmpdir(), 'start-test-')), 'dev.db'),
    },
    stdin: 'ignore',
    reject: false,
  });
  onTestFinished(() => {
    child.kill('SIGKILL');
  });
  return { child, uiPort };
}

describe('npm start', () => {
  it('--yes runs the canary to 1.27.3 to the end, prints the final status and the report, and exits 0', async () => {
    const { child, uiPort } = await demo(['--yes']);
    const result = await child;
    expect(result.stderr).not.toMatch(/^error: /m); // the worker may log retried activity failures; the CLI never failed
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`Web UI: http://127.0.0.1:${uiPort}`);
    expect(result.stdout).toMatch(
      /Prometheus: +http:\/\/127\.0\.0\.1:\d+ +scraping the mesh's metrics at http:\/\/127\.0\.0\.1:\d+\/metrics/,
    );
    expect(result.stdout).toContain('Started istio-upgrade-sim: Istio 1.26.4 -> 1.27.3 on sim, initiated by carol');
    expect(result.stdout).toMatch(/gate "[^"]+" approved by alice/);
    expect(result.stdout).toContain(
      'istio-upgrade-sim: upgrade 1.26.4 -> 1.27.3 on sim [istioctl, sidecar, revision]: COMPLETED',
    );
    expect(result.stdout).toContain('Restarts: [########################] 6/6 deployments');
    expect(result.stdout).not.toMatch(/\[[ >?!]\] +\d+\. /); // every step done or skipped
    const report = /report written to (\S+)/.exec(result.stdout)?.[1];
    expect(report && existsSync(report)).toBe(true);
  }, 300_000);

  it('stops everything cleanly on Ctrl-C in the middle of the upgrade', async () => {
    const { child } = await demo([]);
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not started within 120 s:\n${output}`)), 120_000);
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Started istio-upgrade-sim')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const prometheus = /Prometheus: +(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
    expect(prometheus).toBeDefined();
    expect((await fetch(`${prometheus}/-/ready`)).ok).toBe(true);
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode).toBe(0);
    // The demo's Prometheus went with it.
    await expect(fetch(`${prometheus}/-/ready`)).rejects.toThrow();
  }, 180_000);
});
