import { describe, expect, it } from 'vitest';
import type { V1DaemonSet, V1Deployment } from '@kubernetes/client-node';
import { daemonSetRolloutStatus, deploymentRolloutStatus } from '../../../activities/kubernetes/rollout-status.js';

function deployment(
  generation: number,
  observed: number,
  status: Partial<NonNullable<V1Deployment['status']>>,
  replicas = 6,
): V1Deployment {
  return {
    metadata: { name: 'reviews-v2', generation },
    spec: { replicas, selector: {}, template: {} },
    status: { observedGeneration: observed, ...status },
  };
}

describe('deployment rollout status, by kubectl rules', () => {
  it('waits until the controller has observed the new generation', () => {
    expect(
      deploymentRolloutStatus(deployment(3, 2, { replicas: 6, updatedReplicas: 6, availableReplicas: 6 })).state,
    ).toBe('progressing');
  });

  it('reports "4/6 replicas updated" while new replicas come up', () => {
    const s = deploymentRolloutStatus(deployment(3, 3, { replicas: 7, updatedReplicas: 4, availableReplicas: 6 }));
    expect(s).toMatchObject({
      state: 'progressing',
      message: '4/6 replicas updated',
      progress: { desired: 6, updated: 4 },
    });
  });

  it('waits for old replicas to terminate and updated ones to be available', () => {
    expect(
      deploymentRolloutStatus(deployment(3, 3, { replicas: 7, updatedReplicas: 6, availableReplicas: 6 })).message,
    ).toBe('1 old replicas pending termination');
    expect(
      deploymentRolloutStatus(deployment(3, 3, { replicas: 6, updatedReplicas: 6, availableReplicas: 5 })).message,
    ).toBe('5/6 updated replicas available');
  });

  it('is done when all replicas are updated and available', () => {
    expect(
      deploymentRolloutStatus(deployment(3, 3, { replicas: 6, updatedReplicas: 6, availableReplicas: 6 })).state,
    ).toBe('done');
  });

  it('fails on ProgressDeadlineExceeded', () => {
    const s = deploymentRolloutStatus(
      deployment(3, 3, {
        replicas: 7,
        updatedReplicas: 2,
        conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
      }),
    );
    expect(s.state).toBe('failed');
  });
});

describe('daemon set rollout status', () => {
  const ds = (status: NonNullable<V1DaemonSet['status']>, type = 'RollingUpdate'): V1DaemonSet => ({
    metadata: { name: 'ztunnel', generation: 2 },
    spec: { selector: {}, template: {}, updateStrategy: { type } },
    status,
  });

  it('counts nodes updated, then available', () => {
    const base = {
      currentNumberScheduled: 3,
      numberMisscheduled: 0,
      numberReady: 3,
      observedGeneration: 2,
      desiredNumberScheduled: 3,
    };
    expect(daemonSetRolloutStatus(ds({ ...base, updatedNumberScheduled: 1, numberAvailable: 3 })).message).toBe(
      '1/3 pods updated',
    );
    expect(daemonSetRolloutStatus(ds({ ...base, updatedNumberScheduled: 3, numberAvailable: 2 })).message).toBe(
      '2/3 updated pods available',
    );
    expect(daemonSetRolloutStatus(ds({ ...base, updatedNumberScheduled: 3, numberAvailable: 3 })).state).toBe('done');
  });

  it('refuses OnDelete, which never finishes by itself', () => {
    expect(
      daemonSetRolloutStatus(
        ds({ currentNumberScheduled: 1, desiredNumberScheduled: 1, numberMisscheduled: 0, numberReady: 1 }, 'OnDelete'),
      ).state,
    ).toBe('failed');
  });
});
