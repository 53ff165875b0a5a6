/**
 * `rehearse` from a snapshot of a running cluster (--kubeconfig) and with --faults, compared with
 * normal runs (test/client/support/rehearsal.ts); bad input exits 2 naming the field before
 * anything starts.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { SCENARIOS } from '../activities/support/sim.js';
import { rehearsalHarness } from './support/rehearsal.js';

const { suite, dir, rehearse, normalRun, expectSameRun } = rehearsalHarness();
/** Simulated seconds per real second where the spec's timers, not the steps, would set the pace. */
const FAST = 600;

describe('istio-upgrade rehearse from other sources, compared with a normal run', () => {
  it(
    'rehearses a snapshot of a running cluster (--kubeconfig) with an override, and never writes to that cluster',
    { timeout: 400_000 },
    async () => {
      const production = await suite.fresh('sidecarHelm');
      // The example soaks 10 minutes and keeps the old revision an hour: at ×600, 1 s and 6 s.
      const { exitCode, json } = await rehearse(
        [
          '-f',
          'examples/bookinfo-helm-revision.yaml',
          '--kubeconfig',
          production.sim.kubeconfigPath,
          '--override-precheck',
          'removed-tracing-providers',
        ],
        {},
        FAST,
      );
      expect(production.sim.writeLog).toEqual([]);
      expect(json.finalState.proxies['bookinfo/reviews-v2']).toEqual(['1.28.0@1-28-0']);
      expect(exitCode).toBe(0);
      expectSameRun(
        json,
        await normalRun('sidecarHelm', 'examples/bookinfo-helm-revision.yaml', ['removed-tracing-providers'], FAST),
      );
    },
  );

  it(
    'rehearses with --faults: reviews-v2 never ready on 1.27, the failure gate is rejected and the canary rolled back (exit 1)',
    { timeout: 400_000 },
    async () => {
      const faults = join(dir(), 'faults.yaml');
      await writeFile(
        faults,
        '- { kind: neverReady, namespace: bookinfo, deployment: reviews-v2, minProxyVersion: 1.27.0 }\n',
      );
      const { exitCode, json } = await rehearse([
        '-f',
        'examples/demo-istioctl-canary.yaml',
        '--scenario',
        SCENARIOS.sidecarIstioctl,
        '--faults',
        faults,
      ]);
      expect(json.outcome).toBe('rolled-back');
      expect(exitCode).toBe(1);
      expect(json.steps.find((s) => s.id.includes('reviews-v2'))?.state).toBe('failed');
      expect(json.finalState.revisions).toEqual(['default@1.26.4']);
      expect(json.finalState.proxies['bookinfo/reviews-v2']).toEqual(['1.26.4@default']);
    },
  );
});

describe('istio-upgrade rehearse refuses bad input (exit 2, the field named, nothing started)', () => {
  const scenario = SCENARIOS.sidecarIstioctl;
  it('without -f', async () => {
    const result = await runCli(['rehearse', '--scenario', scenario]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("required option '-f, --file <path>' not specified");
  });
  it('with both --kubeconfig and --scenario, or neither', async () => {
    const both = await runCli([
      'rehearse',
      '-f',
      'examples/demo-istioctl-canary.yaml',
      '--scenario',
      scenario,
      '--kubeconfig',
      scenario,
    ]);
    expect(both.exitCode).toBe(2);
    expect(both.stderr).toContain('--kubeconfig and --scenario: give one of them');
    const neither = await runCli(['rehearse', '-f', 'examples/demo-istioctl-canary.yaml']);
    expect(neither.exitCode).toBe(2);
    expect(neither.stderr).toContain('--kubeconfig or --scenario');
  });
  it('with a scenario file the simulator refuses', async () => {
    const bad = join(dir(), 'bad-scenario.yaml');
    await writeFile(
      bad,
      'name: broken\nnamespaces:\n  - name: bookinfo\n    deployments:\n      - { name: reviews-v2, replicas: two }\n',
    );
    const result = await runCli(['rehearse', '-f', 'examples/demo-istioctl-canary.yaml', '--scenario', bad]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('namespaces[0].deployments[0].replicas');
  });
  it('with a faults file the simulator refuses', async () => {
    const bad = join(dir(), 'bad-faults.yaml');
    await writeFile(bad, '- { kind: neverReady, namespace: bookinfo }\n');
    const result = await runCli([
      'rehearse',
      '-f',
      'examples/demo-istioctl-canary.yaml',
      '--scenario',
      scenario,
      '--faults',
      bad,
    ]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('faults[0].deployment');
  });
  it('with an invalid spec or time scale', async () => {
    const spec = join(dir(), 'bad-spec.yaml');
    await writeFile(
      spec,
      'install: { method: istioctl, mode: sidecar, strategy: sideways }\nversion: { target: 1.27.3 }\n',
    );
    const result = await runCli(['rehearse', '-f', spec, '--scenario', scenario]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('install.strategy');
    const scale = await runCli([
      'rehearse',
      '-f',
      'examples/demo-istioctl-canary.yaml',
      '--scenario',
      scenario,
      '--time-scale',
      'fast',
    ]);
    expect(scale.exitCode).toBe(2);
    expect(scale.stderr).toContain('--time-scale');
  });
});
