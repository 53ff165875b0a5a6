/**
 * Gateways and waypoints take the new proxy only when their pods are replaced. On a canary a
 * gateway pinned to a revision name gets the new one in its pod-template `istio.io/rev` label
 * (the label change is itself the rollout); one that follows a tag or the default revision is
 * restarted, as is every gateway in place. Waypoints are istiod's own Deployments, rendered from
 * their Gateway: one pinned to a revision name is moved by relabelling the Gateway, one that
 * follows a tag (or, unlabelled, the default tag) moves with the tag and is only waited for.
 * Gateways go one at a time: a gateway is the mesh's front door.
 */
import { patched } from '@temporalio/workflow';
import type { GatewayTarget, SwitchGatewaysStep } from '../../core/plan/steps.js';
import { cluster, waits } from '../activities.js';
import { proxyMismatch } from '../failures.js';
import { STALL_RULE_PATCH, waitForWorkload } from '../wait-ready.js';
import { restartValue } from './context.js';
import type { StepContext } from './context.js';

/** Relabels a waypoint's Gateway pinned to a revision name; before it, waypoints were only waited for. */
export const WAYPOINT_BINDING_PATCH = 'waypoint-binding';

/**
 * A waypoint whose Gateway this step labels with the step's revision: it was pinned to the old
 * revision's name (or, in a rollback, to the new one's). One that follows a tag keeps its label
 * and is only waited for: istiod re-renders it when the tag moves.
 */
function pinnedWaypoint(
  step: SwitchGatewaysStep,
  gateway: GatewayTarget,
): gateway is GatewayTarget & { revLabel: string } {
  return gateway.kind === 'waypoint' && step.revision !== null && gateway.revLabel === step.revision;
}

export async function switchGateways(step: SwitchGatewaysStep, context: StepContext): Promise<string> {
  const done: string[] = [];
  for (const gateway of step.gateways) {
    const name = `${gateway.namespace}/${gateway.name}`;
    let generation = 0;
    if (gateway.kind !== 'waypoint') {
      const label = step.revision === null ? null : gateway.revLabel;
      const restartedAt = restartValue(context.upgradeKey, `${step.id}/${name}`, context.attempt);
      const change =
        label === null
          ? null
          : await cluster(`label gateway ${name} istio.io/rev=${label}`).setPodTemplateLabels({
              namespace: gateway.namespace,
              deployment: gateway.name,
              set: { 'istio.io/rev': label },
              restartedAt,
            });
      // The relabel is the rollout. A retry whose earlier attempt relabelled (the worker died
      // before it reported back) finds the label in place and must not restart on top of it
      // (test/workflows/crash/gateway-relabel.crash.e2e.test.ts). Histories recorded before
      // appliedBefore existed lack it and replay the same branch.
      const relabelled = change !== null && (change.changed || change.appliedBefore === true);
      if (relabelled) {
        done.push(`${name} → istio.io/rev=${label ?? ''}`);
      } else {
        const restart = await cluster(`restart gateway ${name}`).restartWorkload({
          namespace: gateway.namespace,
          name: gateway.name,
          restartedAt,
        });
        generation = restart.generation;
        done.push(`${name} restarted`);
      }
    } else if (pinnedWaypoint(step, gateway) && patched(WAYPOINT_BINDING_PATCH)) {
      // istiod renders the waypoint's Deployment from its Gateway: the relabel is the rollout, one
      // generation after the Deployment the activity saw before writing. A retry after a write
      // whose answer was lost finds the label in place and waits for the Deployment as it is.
      const change = await cluster(`label waypoint Gateway ${name} istio.io/rev=${gateway.revLabel}`).setGatewayLabels({
        namespace: gateway.namespace,
        name: gateway.name,
        set: { 'istio.io/rev': gateway.revLabel },
      });
      if (change.renderedGeneration !== null) generation = change.renderedGeneration + 1;
      done.push(`waypoint ${name} → Gateway istio.io/rev=${gateway.revLabel}`);
    }
    if (patched(STALL_RULE_PATCH))
      await waitForWorkload({
        kind: 'Deployment',
        namespace: gateway.namespace,
        name: gateway.name,
        label: `${gateway.kind === 'waypoint' ? 'waypoint' : 'gateway'} ${name}`,
        version: step.version,
        minGeneration: generation,
        deadlineSeconds: context.spec.timeouts.rollout,
        stallSeconds: context.spec.timeouts.stall,
        stepId: step.id,
        board: context.board,
      });
    else
      await waits(`wait for gateway ${name} to roll`).waitForRollout({
        kind: 'Deployment',
        namespace: gateway.namespace,
        name: gateway.name,
        minGeneration: generation,
        deadlineSeconds: 600,
      });
  }
  const check = await cluster(`check gateways run ${step.version}`).checkProxies({
    namespaces: [],
    gateways: step.gateways.map((g) => `${g.namespace}/${g.name}`),
    version: step.version,
    revision: null,
  });
  if (check.wrongCount > 0) throw proxyMismatch(`gateways not on ${step.version}`, check.wrong, check.wrongCount);
  return done.join('; ') || 'waypoints follow their control plane';
}
