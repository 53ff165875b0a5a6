/**
 * Catches a mesh that is already unhealthy before the upgrade touches it: an istiod, a gateway,
 * istio-cni or ztunnel with pods that are not ready. An upgrade started on top of a stuck node
 * agent cannot tell its own breakage from the one it found, and a rollout of that agent stops at
 * the stuck node; so it blocks, naming the node, the pod and why (pod status and its latest
 * Warning Event), and an operator who knows better overrides it by id.
 */
import type { ComponentHealth, Inventory } from '../inventory.js';
import type { Precheck } from './precheck.js';

/** `node-2: ztunnel-abcde ContainerCreating (FailedCreatePodSandBox: …)` for each unready pod, or the counts when no pod explains them. */
export function healthEvidence(component: string, health: ComponentHealth): string[] {
  const pods = health.unready.map(
    (p) => `${component}: ${p.node ?? 'no node'}: ${p.pod} ${p.reason}${p.event === null ? '' : ` (${p.event})`}`,
  );
  if (pods.length > 0) return pods;
  return health.ready < health.desired ? [`${component}: ${health.ready}/${health.desired} ready`] : [];
}

/** Every component the upgrade relies on, named as an operator would, with its health when it was read. */
function components(inventory: Inventory): { name: string; health: ComponentHealth | undefined }[] {
  return [
    ...inventory.controlPlane.revisions.map((r) => ({
      name: r.name === 'default' ? 'istiod' : `istiod ${r.name}`,
      health: r.health,
    })),
    ...inventory.gateways.map((g) => ({ name: `${g.kind} ${g.namespace}/${g.name}`, health: g.health })),
    ...(inventory.cni === null ? [] : [{ name: 'istio-cni', health: inventory.cni.health }]),
    ...(inventory.ztunnel === null ? [] : [{ name: 'ztunnel', health: inventory.ztunnel.health }]),
  ];
}

export const componentHealth: Precheck = {
  id: 'component-health',
  title: 'istiod, gateways, istio-cni or ztunnel not fully available before the upgrade (node, pod and reason)',
  run(input) {
    const unhealthy = components(input.context.inventory).flatMap(({ name, health }) => {
      const evidence = health === undefined ? [] : healthEvidence(name, health);
      if (health === undefined || evidence.length === 0) return [];
      const nodes = [...new Set(health.unready.flatMap((p) => (p.node === null ? [] : [p.node])))];
      return [{ evidence, summary: nodes.length === 0 ? name : `${name} (${nodes.join(', ')})` }];
    });
    if (unhealthy.length === 0) return [];
    const evidence = unhealthy.flatMap((u) => u.evidence);
    return [
      {
        check: 'component-health',
        severity: 'block',
        // The components and nodes are in the sentence too: a refused start shows the message only.
        message: `Not fully available before the upgrade: ${unhealthy.map((u) => u.summary).join(', ')}; an upgrade on top of it cannot tell its own failures from these, and a node agent rollout stops at a stuck node`,
        evidence,
        remedy:
          'Fix the pods named (kubectl describe pod -n <namespace> <pod>; kubectl get events) and plan again, or override component-health if the upgrade is the fix',
      },
    ];
  },
};
