/**
 * One workload's turn in a canary: restart it, wait for the rollout, check that its new pods run
 * the expected proxy from the expected revision, then run its test. One activity rather than
 * four because a mesh of thousands of deployments must fit Temporal's history budget (about six
 * events per deployment this way, against a dozen or more); every part is idempotent on its own
 * (the restart annotation comes from the workflow, the Job test name from the run id), so a
 * retried attempt redoes nothing that already happened. The order of the runbook stays in the
 * workflow: this is a single step of it.
 *
 * On a first attempt the restart and the wait cost two API requests, as few as a client can: the
 * PATCH, then one watch from the resourceVersion the PATCH returned (`kubectl rollout restart`
 * and `rollout status` need three). The proxy check adds one pod list, with the selector taken
 * from the object that ended the watch rather than read again.
 */
import type { V1Deployment } from '@kubernetes/client-node';
import { activityFailure } from '../failure.js';
import { read } from '../kubernetes/call.js';
import type { KubeClients } from '../kubernetes/clients.js';
import {
  injectedRevision,
  isLivePod,
  istioProxy,
  proxyVersionsUnlike,
  versionFromImage,
} from '../kubernetes/images.js';
import { restartObject } from '../kubernetes/restart.js';
import { waitForRolloutOf } from '../kubernetes/rollout.js';
import type { TestReport } from '../probes/types.js';
import { createProbeActivities } from '../probes/workload-test.js';
import type { WorkloadTest } from '../../core/spec/schema.js';

export interface RolloutWorkloadInput {
  namespace: string;
  name: string;
  /** The restart annotation value: one per planned restart (and per deliberate retry). */
  restartedAt: string;
  /** The proxy version every new pod must run; null skips the check. */
  expectedVersion: string | null;
  /** The revision that must have injected every new pod; null accepts any. */
  expectedRevision: string | null;
  test: WorkloadTest | null;
  /** Identifies this run of the test (step id and try), so a retried attempt finds its own Job. */
  testRunId: string;
  /** Give up waiting for the rollout after this long. */
  deadlineSeconds?: number;
  /** Pod-template labels set with the restart, in one patch: a workload pinned by its `istio.io/rev` moves this way. */
  podLabels?: Record<string, string>;
}

export interface RolloutWorkloadResult {
  /** False when an earlier attempt had already restarted it. */
  restarted: boolean;
  rollout: string;
  /** Pods whose proxy is not the expected one, as "pod: 1.26.4 from default". */
  wrongProxies: string[];
  pods: number;
  /** Null when the workload has no test, or its proxies were already wrong (no point testing). */
  test: TestReport | null;
}

function selectorOf(labels: Record<string, string> | undefined): string {
  return Object.entries(labels ?? {})
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}

export function createWorkloadActivities(clients: KubeClients) {
  const { runWorkloadTest } = createProbeActivities(clients);

  async function wrongProxies(
    input: RolloutWorkloadInput,
    deployment: V1Deployment,
  ): Promise<{ wrong: string[]; pods: number }> {
    const what = `deployment ${input.namespace}/${input.name}`;
    const selector = selectorOf(deployment.spec?.selector.matchLabels);
    if (selector === '')
      throw activityFailure('Validation', `${what} has no matchLabels selector: its pods cannot be checked`);
    const pods = (
      await read(`list pods of ${what}`, () =>
        clients.core.listNamespacedPod({ namespace: input.namespace, labelSelector: selector }),
      )
    ).items.filter(isLivePod);
    const wrong = pods.flatMap((pod) => {
      const proxy = istioProxy(pod.spec);
      // Every proxy container counts: one left on the old version beside a new one is not upgraded.
      const unlike = input.expectedVersion === null ? null : proxyVersionsUnlike(pod.spec, input.expectedVersion);
      const revision = injectedRevision(pod.metadata);
      const revisionOk = input.expectedRevision === null || revision === input.expectedRevision;
      if (proxy !== null && unlike === null && revisionOk) return [];
      const name = pod.metadata?.name ?? '?';
      const version = unlike ?? input.expectedVersion ?? versionFromImage(proxy?.container.image) ?? 'unknown version';
      return [proxy === null ? `${name}: no istio-proxy` : `${name}: ${version} from ${revision ?? 'no revision'}`];
    });
    return { wrong, pods: pods.length };
  }

  return {
    rolloutWorkload: async (input: RolloutWorkloadInput): Promise<RolloutWorkloadResult> => {
      const restart = await restartObject(clients, {
        kind: 'Deployment',
        namespace: input.namespace,
        name: input.name,
        restartedAt: input.restartedAt,
        ...(input.podLabels !== undefined && { podLabels: input.podLabels }),
      });
      const rollout = await waitForRolloutOf(
        clients,
        {
          kind: 'Deployment',
          namespace: input.namespace,
          name: input.name,
          minGeneration: restart.object.metadata?.generation ?? 0,
          ...(input.deadlineSeconds !== undefined && { deadlineSeconds: input.deadlineSeconds }),
        },
        restart,
      );
      if (rollout.kind !== 'Deployment')
        throw activityFailure('Validation', `${input.namespace}/${input.name} is not a Deployment`);
      const proxies = await wrongProxies(input, rollout.object);
      const test =
        input.test === null || proxies.wrong.length > 0
          ? null
          : await runWorkloadTest({
              namespace: input.namespace,
              deployment: input.name,
              test: input.test,
              runId: input.testRunId,
            });
      return {
        restarted: restart.changed,
        rollout: rollout.message,
        wrongProxies: proxies.wrong.slice(0, 20),
        pods: proxies.pods,
        test,
      };
    },
  };
}
