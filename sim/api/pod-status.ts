/**
 * The STATUS column of `kubectl get pods`, worked out as the API server's pod printer does
 * (Kubernetes' printPod): the phase, overridden by a waiting or terminated container's reason
 * (`ContainerCreating`, `CrashLoopBackOff`, `Init:0/1`), and `Terminating` once the pod has a
 * deletionTimestamp and has not finished. kubectl prints what the server's Table says, so a pod
 * on its way out must read Terminating here or nowhere.
 */
import { isJsonObject, readPath, type JsonObject, type KubeObject } from './object.js';

function list(o: KubeObject, path: string): JsonObject[] {
  const v = readPath(o, path);
  return Array.isArray(v) ? v.filter(isJsonObject) : [];
}

function stateReason(status: JsonObject, key: 'waiting' | 'terminated'): string | undefined {
  const state = isJsonObject(status.state) ? status.state[key] : undefined;
  if (!isJsonObject(state)) return undefined;
  if (typeof state.reason === 'string' && state.reason !== '') return state.reason;
  if (key === 'terminated') return `ExitCode:${typeof state.exitCode === 'number' ? state.exitCode : 0}`;
  return undefined;
}

function initReason(o: KubeObject): string | undefined {
  const specs = list(o, 'spec.initContainers');
  const statuses = list(o, 'status.initContainerStatuses');
  for (const [i, s] of statuses.entries()) {
    const terminated = isJsonObject(s.state) && isJsonObject(s.state.terminated) ? s.state.terminated : undefined;
    if (terminated && terminated.exitCode === 0) continue;
    const restartable = specs.find((c) => c.name === s.name)?.restartPolicy === 'Always';
    if (restartable && s.started === true) continue;
    if (terminated) return `Init:${stateReason(s, 'terminated') ?? ''}`;
    const waiting = stateReason(s, 'waiting');
    if (waiting !== undefined && waiting !== 'PodInitializing') return `Init:${waiting}`;
    return `Init:${i}/${specs.length}`;
  }
  return undefined;
}

export function podStatusReason(o: KubeObject): string {
  const phase = readPath(o, 'status.phase');
  const explicit = readPath(o, 'status.reason');
  let reason = typeof explicit === 'string' && explicit !== '' ? explicit : typeof phase === 'string' ? phase : '';
  const initializing = initReason(o);
  if (initializing !== undefined) reason = initializing;
  else {
    let running = false;
    for (const s of list(o, 'status.containerStatuses').reverse()) {
      const why = stateReason(s, 'waiting') ?? stateReason(s, 'terminated');
      if (why !== undefined) reason = why;
      else if (s.ready === true && isJsonObject(s.state) && isJsonObject(s.state.running)) running = true;
    }
    if (reason === 'Completed' && running) {
      const ready = list(o, 'status.conditions').some((c) => c.type === 'Ready' && c.status === 'True');
      reason = ready ? 'Running' : 'NotReady';
    }
  }
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  if (o.metadata.deletionTimestamp !== undefined && explicit === 'NodeLost') return 'Unknown';
  if (o.metadata.deletionTimestamp !== undefined && !terminal) return 'Terminating';
  return reason;
}
