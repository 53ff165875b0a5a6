/**
 * Gateways and waypoints take the new proxy only when their pods are replaced. On a canary a
 * gateway pinned to a revision name gets the new one in its pod-template `istio.io/rev` label
 * (the label change is itself the rollout); one that follows a tag or the default revision is
 * restarted, as is every gateway in place. Waypoints are istiod's own Deployments and follow their
 * revision or tag by themselves, so they are only waited for. Gateways go one at a time: a
 * gateway is the mesh's front door.
 */
import type { SwitchGatewaysStep } from '../../core/plan/steps.js';
import { cluster, waits } from '../activities.js';
import { proxyMismatch } from '../failures.js';
import { restartValue } from './context.js';
import type { StepContext } from './context.js';

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
    }
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
