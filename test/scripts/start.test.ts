/**
 * The README's first quick-start command, as a real process: it must come up on a fresh
 * checkout, show the plan against the simulated cluster, and stop cleanly on Ctrl-C.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it, onTestFinished } from 'vitest';
import { freePort } from '../../scripts/dev-server.js';
import { projectRoot } from '../../scripts/tools.js';

describe('npm start', () => {
  it('brings up Temporal with its Web UI, the simulated cluster and a worker, prints the plan, and stops on SIGINT', async () => {
    const [port, uiPort] = [await freePort(), await freePort()];
    // Node itself, not npx: signals must reach the script, not a wrapper that may not pass them on.
    const child = execa(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      cwd: projectRoot,
      env: {
        TEMPORAL_PORT: String(port),
        TEMPORAL_UI_PORT: String(uiPort),
        // Never the developer's own .temporal/dev.db, which a running `npm start` holds.
        TEMPORAL_DB_FILE: join(mkdtempSync(join(tmpdir(), 'start-test-')), 'dev.db'),
      },
      reject: false,
    });
    onTestFinished(() => {
      child.kill('SIGKILL');
    });
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no plan within 100 s:\n${output}`)), 100_000);
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ctrl-C stops everything')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });

    const ui = await fetch(`http://127.0.0.1:${uiPort}/`);
    expect(ui.status).toBe(200);
    expect(output).toContain(`Web UI: http://127.0.0.1:${uiPort}`);
    expect(output).toMatch(/Upgrade plan for sim: Istio 1\.26\.4 -> 1\.27\.3/);
    expect(output).toMatch(/Install istiod revision 1-27-3 \(1\.27\.3\) with istioctl/);
    expect(output).toContain('Ready: no precheck blocks this plan.');

    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode).toBe(0);
  }, 120_000);
});
