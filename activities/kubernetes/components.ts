/**
 * Checks what an install step produced, read back from the cluster rather than trusted from the
 * tool's exit code: each workload runs the step's version in every versioned container image and
 * is fully rolled out and available. The verdict is a pure function of the object, so it is
 * tested on plain objects; the activity only reads.
 */
import type { V1Container, V1DaemonSet, V1Deployment } from '@kubernetes/client-node';
import type { WorkloadCheck } from '../../core/plan/verification.js';
import { read } from './call.js';
import type { KubeClients } from './clients.js';
import { versionFromImage } from './images.js';
import { daemonSetRolloutStatus, deploymentRolloutStatus } from './rollout-status.js';

export interface VerifyWorkloadsInput {
  version: string;
  workloads: WorkloadCheck[];
}

export interface VerifyWorkloadsResult {
  /** What was found right: "istiod 1-27-3 (istio-system/istiod-1-27-3) 1.27.3, 1/1 available". */
  checked: string[];
  /** What was not, with both versions named: "istiod 1-27-3 (istio-system/istiod-1-27-3) runs 1.27.0, expected 1.27.3". */
  wrong: string[];
}

type Workload = { kind: 'Deployment'; object: V1Deployment } | { kind: 'DaemonSet'; object: V1DaemonSet };

function versionsOf(containers: readonly V1Container[]): string[] {
  return [...new Set(containers.map((c) => versionFromImage(c.image)).filter((v): v is string => v !== null))].sort();
}

/** Counts as `kubectl rollout status` reads them; an old pod still terminating after the surge is no reason to fail. */
function readiness(workload: Workload): { ready: number; wanted: number; current: boolean } {
  const { progress } =
    workload.kind === 'Deployment' ? deploymentRolloutStatus(workload.object) : daemonSetRolloutStatus(workload.object);
  const current = (workload.object.status?.observedGeneration ?? 0) >= (workload.object.metadata?.generation ?? 0);
  return { ready: Math.min(progress.updated, progress.available), wanted: progress.desired, current };
}

/** One workload against the version its step installed: null when it is right, else what is wrong. */
export function workloadVerdict(label: string, workload: Workload, version: string): { ok: boolean; message: string } {
  const meta = workload.object.metadata;
  const name = `${label} (${meta?.namespace ?? ''}/${meta?.name ?? ''})`;
  const spec = workload.object.spec?.template.spec;
  const versions = versionsOf([...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]);
  const { ready, wanted, current } = readiness(workload);
  if (versions.length === 0) return { ok: false, message: `${name} has no container image with a version tag` };
  const others = versions.filter((v) => v !== version);
  if (others.length > 0) return { ok: false, message: `${name} runs ${others.join(', ')}, expected ${version}` };
  if (!current || ready < wanted || wanted === 0)
    return { ok: false, message: `${name} runs ${version} but is not available: ${ready}/${wanted} ready` };
  return { ok: true, message: `${name} ${version}, ${ready}/${wanted} available` };
}

const selectorText = (selector: Record<string, string>) =>
  Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

export function createComponentActivities(clients: KubeClients) {
  async function find(check: WorkloadCheck): Promise<Workload[]> {
    const { namespace, name, selector } = check;
    if (check.kind === 'Deployment') {
      if (name !== null) {
        const list = await read(`list deployment ${namespace}/${name}`, () =>
          clients.apps.listNamespacedDeployment({ namespace, fieldSelector: `metadata.name=${name}` }),
        );
        return list.items.map((object) => ({ kind: 'Deployment' as const, object }));
      }
      const list = await read(`list deployments ${namespace} ${selectorText(selector ?? {})}`, () =>
        clients.apps.listNamespacedDeployment({ namespace, labelSelector: selectorText(selector ?? {}) }),
      );
      return list.items.map((object) => ({ kind: 'Deployment' as const, object }));
    }
    const list = await read(`list daemonsets ${namespace}`, () =>
      name !== null
        ? clients.apps.listNamespacedDaemonSet({ namespace, fieldSelector: `metadata.name=${name}` })
        : clients.apps.listNamespacedDaemonSet({ namespace, labelSelector: selectorText(selector ?? {}) }),
    );
    return list.items.map((object) => ({ kind: 'DaemonSet' as const, object }));
  }

  return {
    verifyWorkloads: async (input: VerifyWorkloadsInput): Promise<VerifyWorkloadsResult> => {
      const checked: string[] = [];
      const wrong: string[] = [];
      for (const check of input.workloads) {
        const found = await find(check);
        if (found.length === 0) {
          const where = check.name ?? selectorText(check.selector ?? {});
          wrong.push(`${check.label}: no ${check.kind} ${where} in ${check.namespace}`);
          continue;
        }
        for (const workload of found) {
          const verdict = workloadVerdict(check.label, workload, input.version);
          (verdict.ok ? checked : wrong).push(verdict.message);
        }
      }
      return { checked, wrong };
    },
  };
}
