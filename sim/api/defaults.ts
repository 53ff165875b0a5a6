/**
 * Server-side defaulting for the fields controllers and clients rely on: a Deployment without
 * `replicas` or `strategy` behaves as on a real cluster (1 replica, 25%/25% rolling update, a
 * 600 s progress deadline).
 */
import type { Admission } from './admission.js';
import { isJsonObject, type JsonObject } from './object.js';

function obj(parent: JsonObject, key: string): JsonObject {
  const v = parent[key];
  if (isJsonObject(v)) return v;
  const fresh: JsonObject = {};
  parent[key] = fresh;
  return fresh;
}

let nextIp = 1;
let nextClusterIp = 1;

export const applyDefaults: Admission = (t, o, op) => {
  const spec = isJsonObject(o.spec) ? o.spec : undefined;
  switch (`${t.group}/${t.plural}`) {
    case '/namespaces': {
      o.metadata.labels = { ...o.metadata.labels, 'kubernetes.io/metadata.name': o.metadata.name };
      if (op === 'create') o.status = { phase: 'Active' };
      return;
    }
    case 'apps/deployments': {
      if (!spec) return;
      spec.replicas ??= 1;
      spec.progressDeadlineSeconds ??= 600;
      spec.revisionHistoryLimit ??= 10;
      const strategy = obj(spec, 'strategy');
      strategy.type ??= 'RollingUpdate';
      if (strategy.type === 'RollingUpdate') {
        const ru = obj(strategy, 'rollingUpdate');
        ru.maxSurge ??= '25%';
        ru.maxUnavailable ??= '25%';
      }
      return;
    }
    case 'apps/daemonsets': {
      if (!spec) return;
      const strategy = obj(spec, 'updateStrategy');
      strategy.type ??= 'RollingUpdate';
      if (strategy.type === 'RollingUpdate') {
        const ru = obj(strategy, 'rollingUpdate');
        ru.maxUnavailable ??= 1;
        ru.maxSurge ??= 0;
      }
      return;
    }
    case 'batch/jobs': {
      if (!spec) return;
      spec.backoffLimit ??= 6;
      spec.completions ??= 1;
      spec.parallelism ??= 1;
      return;
    }
    case '/pods': {
      if (op !== 'create') return;
      o.status = { phase: 'Pending', ...(isJsonObject(o.status) ? o.status : {}) };
      if (spec) {
        spec.restartPolicy ??= 'Always';
        spec.terminationGracePeriodSeconds ??= 30;
      }
      const n = nextIp++;
      (o.status as JsonObject).podIP ??= `10.244.${Math.floor(n / 250) % 250}.${(n % 250) + 2}`;
      return;
    }
    case '/secrets': {
      // kubectl create secret generic leaves the type empty; the API server's defaulting sets it.
      if (typeof o.type !== 'string' || o.type === '') o.type = 'Opaque';
      return;
    }
    case '/services': {
      if (op !== 'create' || !spec) return;
      spec.type ??= 'ClusterIP';
      const n = nextClusterIp++;
      spec.clusterIP ??= `10.96.${Math.floor(n / 250) % 250}.${(n % 250) + 2}`;
      return;
    }
    default:
      return;
  }
};
