/**
 * `npm run sim` as a real process: the ready line names the Istio metrics endpoint beside the
 * kubeconfig, and a faults file with a bad signals fault exits 2 naming the field.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it, onTestFinished } from 'vitest';
import { projectRoot } from '../../scripts/tools.js';

const SCENARIO = 'sim/scenarios/sidecar-istioctl-1.26.yaml';

function faultsFile(yaml: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'sim-main-')), 'faults.yaml');
  writeFileSync(file, yaml);
  return file;
}

describe('npm run sim', () => {
  it('prints the metrics URL in its ready line, and serves a signals fault from --faults there', async () => {
    const faults = faultsFile(
      'faults:\n  - { kind: signals, namespace: bookinfo, workload: ratings-v1, errorRatio: 1 }\n',
    );
    const child = execa(
      process.execPath,
      [
        '--import',
        'tsx',
        'sim/main.ts',
        '--scenario',
        SCENARIO,
        '--time-scale',
        '20',
        '--ready-json',
        '--faults',
        faults,
      ],
      { cwd: projectRoot, reject: false },
    );
    onTestFinished(() => {
      child.kill('SIGTERM');
    });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const ready = out.split('\n').find((l) => l.startsWith('{'));
        if (ready) resolve(ready);
      });
      void child.then((r) => reject(new Error(`exited ${r.exitCode}: ${r.stderr}`)));
    });
    const ready = JSON.parse(line) as { metrics: string; url: string };
    expect(ready.metrics).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    await fetch(ready.metrics);
    await new Promise((r) => setTimeout(r, 500));
    const text = await (await fetch(ready.metrics)).text();
    expect(text).toMatch(
      /istio_requests_total\{[^}]*destination_workload="ratings-v1"[^}]*response_code="503"[^}]*\} [1-9]/,
    );
    expect(text).not.toMatch(/istio_requests_total\{[^}]*destination_workload="ratings-v1"[^}]*response_code="200"/);
  }, 60_000);

  it('refuses a signals fault with an error ratio above 1: exit 2, the field named', async () => {
    const faults = faultsFile('- { kind: signals, namespace: bookinfo, workload: ratings-v1, errorRatio: 5 }\n');
    const result = await execa(
      process.execPath,
      ['--import', 'tsx', 'sim/main.ts', '--scenario', SCENARIO, '--ready-json', '--faults', faults],
      { cwd: projectRoot, reject: false, timeout: 30_000 },
    );
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('errorRatio');
    expect(result.stdout).toBe('');
  }, 60_000);
});
