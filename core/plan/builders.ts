/** Step constructors shared by the paths, so ids and wording are the same on every path. */
import type { Phase } from '../vocabulary.js';
import type { GatewayInfo } from '../inventory.js';
import { REV_LABEL } from '../labels.js';
import { failureActionOf } from '../spec/schema.js';
import type { PlanContext, ScopedNamespace } from './context.js';
import type { GateKind, GateStep, RestartWorkloadStep, Step, TestWorkloadStep } from './steps.js';

/** A gate when the spec turns it on, else nothing. */
export function gate(
  context: PlanContext,
  enabled: boolean,
  kind: GateKind,
  id: string,
  phase: Phase,
  subject: string,
): GateStep[] {
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

export function restarts(
  context: PlanContext,
  namespace: ScopedNamespace,
  version: string,
  revision: string | null,
  phase: Phase = 'workloads',
): RestartWorkloadStep[] {
  return namespace.workloads.map((workload) => ({
    kind: 'restart-workload',
    id: `restart:${workload.namespace}/${workload.name}@${version}`,
    phase,
    namespace: workload.namespace,
    name: workload.name,
    expectedVersion: version,
    expectedRevision: revision,
    test: workload.test,
    ...failureFields(context, namespace),
    ...(workload.podRevLabel !== undefined && { podRevLabel: workload.podRevLabel }),
  }));
}

/** What a failed test does in `namespace`, in the step's new field and in the older one recorded plans carry. */
function failureFields(
  context: PlanContext,
  namespace: ScopedNamespace,
): Pick<RestartWorkloadStep, 'onTestFailure' | 'onFailure'> {
  const onFailure = failureActionOf(context.spec, namespace.name);
  // A worker that knows only onTestFailure gates a revert: a human decides rather than a rollback.
  return { onTestFailure: onFailure === 'rollback' ? 'rollback' : 'gate', onFailure };
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

/** The Helm release of the base chart, as Istio's Helm guides name it. */
export const BASE_RELEASE = 'istio-base';

/**
 * Helm: the `base` chart (CRDs, the default validating webhook) goes before istiod, every hop.
 * https://istio.io/latest/docs/setup/upgrade/helm/
 */
export function upgradeBase(
  context: PlanContext,
  fromVersion: string,
  version: string,
  defaultRevision: string | null,
): Step[] {
  if (context.spec.install.method !== 'helm') return [];
  return [
    {
      kind: 'upgrade-base',
      id: `base@${version}`,
      phase: 'control-plane',
      method: 'helm',
      release: BASE_RELEASE,
      namespace: context.spec.install.namespace,
      fromVersion,
      version,
      defaultRevision,
    },
  ];
}

function templateLabel(context: PlanContext, gateway: GatewayInfo): string | null {
  return (
    context.inventory.deployments.find(
      (deployment) => deployment.namespace === gateway.namespace && deployment.name === gateway.name,
    )?.podLabels[REV_LABEL] ?? null
  );
}

function revLabelOf(context: PlanContext, gateway: GatewayInfo, revision: string): string | null {
  const route = context.gatewayRoutes.get(`${gateway.namespace}/${gateway.name}`);
  return route === undefined ? revision : route.revLabel;
}

/**
 * Restart `gateways` on `version`. With a revision, each takes the `istio.io/rev` its route
 * gives it (its tag, or the new revision when it was pinned); in place, its label stays.
 */
export function switchGateways(
  context: PlanContext,
  gateways: readonly GatewayInfo[],
  id: string,
  version: string,
  revision: string | null,
  phase: Phase = 'gateways',
): Step[] {
  if (gateways.length === 0) return [];
  return [
    {
      kind: 'switch-gateways',
      id,
      phase,
      gateways: gateways.map((gateway) => ({
        namespace: gateway.namespace,
        name: gateway.name,
        kind: gateway.kind,
        revLabel: revision === null ? templateLabel(context, gateway) : revLabelOf(context, gateway, revision),
      })),
      version,
      revision,
    },
  ];
}

/** Ambient: the namespace's tests, run where the workloads are (through ztunnel), never a restart. */
export function testWorkloads(
  context: PlanContext,
  namespace: ScopedNamespace,
  version: string,
  phase: Phase = 'workloads',
): TestWorkloadStep[] {
  return namespace.tested.map((workload) => ({
    kind: 'test-workload',
    id: `test:${workload.namespace}/${workload.name}@${version}`,
    phase,
    namespace: workload.namespace,
    name: workload.name,
    test: workload.test,
    ...failureFields(context, namespace),
  }));
}

export function verifyProxies(
  context: PlanContext,
  version: string,
  revision: string | null,
  phase: Phase = 'workloads',
): Step[] {
  const namespaces = context.namespaces
    .filter((namespace) => namespace.workloads.length > 0)
    .map((namespace) => namespace.name);
  if (namespaces.length === 0 && context.gateways.length === 0) return [];
  return [{ kind: 'verify-proxies', id: `verify-proxies@${version}`, phase, version, revision, namespaces }];
}
