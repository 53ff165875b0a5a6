/**
 * `rehearse` on each shipped scenario with its example spec, each rehearsal compared with a
 * normal run of the same spec (test/client/support/rehearsal.ts). The snapshot source, faults
 * and bad input are in rehearse.inputs.test.ts: two files, so CI runs them side by side.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, inject, it } from 'vitest';
import { SCENARIOS } from '../activities/support/sim.js';
import { rehearsalHarness } from './support/rehearsal.js';

const { suite, rehearse, normalRun, expectSameRun } = rehearsalHarness();

describe('istio-upgrade rehearse on each shipped scenario, compared with a normal run', () => {
  it(
    'rehearses the istioctl canary of sidecar-istioctl-1.26 to completion: same steps and mesh, soaks reported at their real length, report written',
    { timeout: 400_000 },
    async () => {
      const { exitCode, json } = await rehearse([
        '-f',
        'examples/demo-istioctl-canary.yaml',
        '--scenario',
        SCENARIOS.sidecarIstioctl,
      ]);
      expect(exitCode).toBe(0);
      expect(json.outcome).toBe('completed');
      expect(json.soaks).toEqual([
        { timer: 'soakAfterControlPlane', realSeconds: 120, rehearsedSeconds: 2 },
        { timer: 'graceBeforeRevisionRemoval', realSeconds: 300, rehearsedSeconds: 5 },
      ]);
      expect(json.estimate.soakSeconds).toBe(420);
      expect(json.estimate.seconds).toBe(json.estimate.simulatedWorkSeconds + 420);
      expect(json.gates).toBe(4);
      expect(json.specChanges[0]).toContain('approver "rehearsal" added');
      expect(json.finalState.revisions).toEqual(['1-27-3@1.27.3']);
      const report = await readFile(json.report, 'utf8');
      // Each gate's decision in the report: approved, by rehearsal, through the Update, with the comment marking it.
      expect(
        report.match(/<td>approved<\/td><td>rehearsal<\/td><td>update<\/td><td>rehearsal: answered unattended/g),
      ).toHaveLength(4);

      const normal = await normalRun('sidecarIstioctl', 'examples/demo-istioctl-canary.yaml');
      expectSameRun(json, normal);
    },
  );

  it(
    "rehearses the Helm canary on sidecar-helm-1.26 on the operator's Temporal (--temporal): refused by the Lightstep precheck (exit 3) as a normal run is",
    { timeout: 400_000 },
    async () => {
      const { exitCode, json } = await rehearse(
        ['-f', 'examples/bookinfo-helm-revision.yaml', '--scenario', SCENARIOS.sidecarHelm, '--temporal'],
        { TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: 'default' },
      );
      expect(exitCode).toBe(3);
      expect(json.outcome).toBe('refused');
      expect(json.refusedBy).toEqual(['removed-tracing-providers']);
      // Its HTTP and command tests would reach real endpoints, and its Slack channel is the team's.
      expect(json.specChanges.join('\n')).toMatch(
        /test bookinfo\/reviews-v2 \(http\) left out[\s\S]*test bookinfo \(command\) left out[\s\S]*Slack notifications to #mesh-upgrades left out/,
      );
      expectSameRun(json, await normalRun('sidecarHelm', 'examples/bookinfo-helm-revision.yaml'));
      // The rehearsal ran on the shared server, under its own id, where visibility lists it.
      const rehearsals = suite.env.client.workflow.list({ query: `WorkflowId = "${json.workflowId}"` });
      const found: string[] = [];
      for await (const execution of rehearsals) found.push(execution.workflowId);
      expect(found).toEqual([json.workflowId]);
    },
  );

  it(
    'rehearses the Sail revision upgrade on ambient-sail-1.26 to completion: its unlabelled waypoint follows the default tag, no precheck blocks it, and Sail moves to 1.28.0 with istio-cni, as a normal run does',
    { timeout: 400_000 },
    async () => {
      const { exitCode, json } = await rehearse([
        '-f',
        'examples/sail-revision-based.yaml',
        '--scenario',
        SCENARIOS.ambientSail,
      ]);
      expect(exitCode).toBe(0);
      expect(json.outcome).toBe('completed');
      // The example is a sidecar spec on an ambient mesh: ztunnel keeps the old revision, as the plan warns.
      expect(json.finalState.revisions).toContain('default-v1-28-0@1.28.0');
      expect(json.finalState.nodeAgents['istio-cni']).toBe('1.28.0');
      expectSameRun(json, await normalRun('ambientSail', 'examples/sail-revision-based.yaml'));
    },
  );
});
