/**
 * Every install step is read back before the next step starts: istiod and the node agents must
 * run the step's version and be available, Helm releases must be deployed at its chart. On the
 * time-skipping server with stub activities; the real reads are tested against the simulator in
 * test/activities/kubernetes/components.test.ts.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cluster, revision } from '../core/fixtures/cluster.js';
import { timeSkippingEnv } from '../support/temporal.js';
import { answering, runUpgrade, specOf } from './support/logic-harness.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

describe('checked after each install step', () => {
  it('Helm ambient canary: the base release, then istiod-1-28-0 and its release, then istio-cni and ztunnel with theirs, each before the next step', async () => {
    const spec = specOf({
      install: { method: 'helm', mode: 'ambient', strategy: 'revision' },
      version: { target: '1.28.0' },
    });
    const run = await runUpgrade(env, { spec, inventories: [cluster({ ambient: true })] });

    expect(run.result.outcome).toBe('completed');
    expect(run.recorder.verified).toEqual([
      'release istio-base 1.28.0',
      'release istiod-1-28-0 1.28.0',
      'Deployment istiod 1-28-0 1.28.0',
      'release istio-cni 1.28.0',
      'DaemonSet istio-cni 1.28.0',
      'release ztunnel 1.28.0',
      'DaemonSet ztunnel 1.28.0',
    ]);
    const install = run.result.status.steps.find((step) => step.id === 'install-revision:1-28-0');
    expect(install?.note).toContain('checked: Helm release istiod-1-28-0 deployed; istiod 1-28-0 1.28.0');
  });

  it('istioctl in place: one check of istiod after the upgrade command, before the soak', async () => {
    const spec = specOf({
      install: { method: 'istioctl', mode: 'sidecar', strategy: 'in-place' },
      version: { target: '1.28.0' },
    });
    const run = await runUpgrade(env, { spec, inventories: [cluster({ installer: 'istioctl' })] });

    expect(run.result.outcome).toBe('completed');
    expect(run.recorder.verified).toEqual(['Deployment istiod default 1.28.0']);
  });

  it('a new istiod that runs another patch stops the step at a failure gate naming both versions, before any soak or restart; rejected, it rolls back', async () => {
    const spec = specOf({
      install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision' },
      version: { target: '1.28.3' },
    });
    // The rollback reads the cluster again: the wrong istiod is there beside the old one.
    const after = cluster({ installer: 'istioctl' });
    after.controlPlane.revisions.push(revision('1-28-3', '1.28.0'));
    const run = await runUpgrade(env, {
      spec,
      inventories: [cluster({ installer: 'istioctl' }), after],
      installedVersions: { 'istiod 1-28-3': '1.28.0' },
      operator: answering('failure', 'reject'),
    });

    const failureGate = [...run.seen.entries()].find(([id]) => id.startsWith('failed:install-revision:1-28-3'));
    expect(failureGate?.[1].failure).toMatchObject({
      type: 'VersionMismatch',
      message: expect.stringContaining('istiod 1-28-3 runs 1.28.0, expected 1.28.3') as string,
    });
    expect(run.recorder.calls.filter((call) => call.startsWith('rolloutWorkload'))).toEqual([]);
    const soak = run.result.status.steps.find((step) => step.kind === 'soak');
    expect(soak?.state).not.toBe('done');
    expect(run.result.outcome).toBe('rolled-back');
    expect(run.recorder.calls).toContain('istioctlUninstallRevision 1-28-3');
  });
});
