/** Step constructors shared by the paths, so ids and wording are the same on every path. */
import type { Phase } from '../vocabulary.js';
import type { PlanContext, ScopedNamespace } from './context.js';
import type { GateKind, GateStep, RestartWorkloadStep, Step } from './steps.js';

/** A gate when the spec turns it on, else nothing. */
export function gate(context: PlanContext, enabled: boolean, kind: GateKind, id: string, phase: Phase, subject: string): GateStep[] {
  if (!enabled) return [];
  const { gates, approvals } = context.spec;
  return [
    {
      kind: 'gate',
      id: `gate:${id}`,
      phase,
      gate: kind,
      subject,
      timeoutSeconds: gates.approvalTimeout,
      onTimeout: gates.onTimeout,
      approvers: approvals.approvers,
      allowSelfApproval: approvals.allowSelfApproval,
    },
  ];
}

export function restarts(context: PlanContext, namespace: ScopedNamespace, version: string, revision: string | null, phase: Phase = 'workloads'): RestartWorkloadStep[] {
  return namespace.workloads.map((workload) => ({
    kind: 'restart-workload',
    id: `restart:${workload.namespace}/${workload.name}@${version}`,
    phase,
    namespace: workload.namespace,
    name: workload.name,
    expectedVersion: version,
    expectedRevision: revision,
    test: workload.test,
    onTestFailure: context.spec.gates.onTestFailure ? 'gate' : 'rollback',
  }));
}

export function soakAfterControlPlane(context: PlanContext, version: string): Step[] {
  const seconds = context.spec.timers.soakAfterControlPlane;
  if (seconds === 0) return [];
  return [
    {
      kind: 'soak',
      id: `soak:control-plane@${version}`,
      phase: 'soak',
      seconds,
      pauseReason: 'soaking',
      reason: `let istiod ${version} soak before any proxy moves to it`,
    },
  ];
}

export function switchGateways(context: PlanContext, version: string, revision: string | null, phase: Phase = 'gateways'): Step[] {
  if (context.gateways.length === 0) return [];
  return [
    {
      kind: 'switch-gateways',
      id: `gateways@${version}`,
      phase,
      gateways: context.gateways.map(({ namespace, name, kind }) => ({ namespace, name, kind })),
      version,
      revision,
    },
  ];
}

export function verifyProxies(context: PlanContext, version: string, revision: string | null, phase: Phase = 'workloads'): Step[] {
  const namespaces = context.namespaces.filter((namespace) => namespace.workloads.length > 0).map((namespace) => namespace.name);
  if (namespaces.length === 0 && context.gateways.length === 0) return [];
  return [{ kind: 'verify-proxies', id: `verify-proxies@${version}`, phase, version, revision, namespaces }];
}
