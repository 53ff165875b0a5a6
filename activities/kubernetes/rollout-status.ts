/**
 * When is a rollout finished? The same rules as `kubectl rollout status`
 * (k8s.io/kubectl/pkg/polymorphichelpers/rollout_status.go), so an operator watching with
 * kubectl and the workflow agree. Pure: it reads one object and says where the rollout is.
 */
import type { V1DaemonSet, V1Deployment } from '@kubernetes/client-node';

export type WorkloadKind = 'Deployment' | 'DaemonSet';

export interface RolloutProgress {
  /** Replicas (Deployment) or scheduled pods (DaemonSet) wanted. */
  desired: number;
  updated: number;
  available: number;
}

export type RolloutStatus =
  | { state: 'done'; message: string; progress: RolloutProgress }
  | { state: 'progressing'; message: string; progress: RolloutProgress }
  | { state: 'failed'; message: string; progress: RolloutProgress };

export function deploymentRolloutStatus(deployment: V1Deployment): RolloutStatus {
  const name = deployment.metadata?.name ?? '?';
  const status = deployment.status ?? {};
  const specReplicas = deployment.spec?.replicas;
  const updated = status.updatedReplicas ?? 0;
  const available = status.availableReplicas ?? 0;
  const progress = { desired: specReplicas ?? status.replicas ?? 0, updated, available };
  if ((deployment.metadata?.generation ?? 0) > (status.observedGeneration ?? 0)) {
    return {
      state: 'progressing',
      message: `deployment "${name}": waiting for the spec update to be observed`,
      progress,
    };
  }
  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return { state: 'failed', message: `deployment "${name}" exceeded its progress deadline`, progress };
  }
  if (specReplicas !== undefined && updated < specReplicas) {
    return { state: 'progressing', message: `${updated}/${specReplicas} replicas updated`, progress };
  }
  if ((status.replicas ?? 0) > updated) {
    return {
      state: 'progressing',
      message: `${(status.replicas ?? 0) - updated} old replicas pending termination`,
      progress,
    };
  }
  if (available < updated) {
    return { state: 'progressing', message: `${available}/${updated} updated replicas available`, progress };
  }
  return { state: 'done', message: `deployment "${name}" successfully rolled out`, progress };
}

export function daemonSetRolloutStatus(daemonSet: V1DaemonSet): RolloutStatus {
  const name = daemonSet.metadata?.name ?? '?';
  const status = daemonSet.status;
  const desired = status?.desiredNumberScheduled ?? 0;
  const updated = status?.updatedNumberScheduled ?? 0;
  const available = status?.numberAvailable ?? 0;
  const progress = { desired, updated, available };
  const strategy = daemonSet.spec?.updateStrategy?.type ?? 'RollingUpdate';
  if (strategy !== 'RollingUpdate') {
    // kubectl refuses here; for a runbook an OnDelete DaemonSet never "finishes" by itself.
    return {
      state: 'failed',
      message: `daemon set "${name}" uses ${strategy}: rollout status needs RollingUpdate`,
      progress,
    };
  }
  if ((daemonSet.metadata?.generation ?? 0) > (status?.observedGeneration ?? 0)) {
    return {
      state: 'progressing',
      message: `daemon set "${name}": waiting for the spec update to be observed`,
      progress,
    };
  }
  if (updated < desired) {
    return { state: 'progressing', message: `${updated}/${desired} pods updated`, progress };
  }
  if (available < desired) {
    return { state: 'progressing', message: `${available}/${desired} updated pods available`, progress };
  }
  return { state: 'done', message: `daemon set "${name}" successfully rolled out`, progress };
}
