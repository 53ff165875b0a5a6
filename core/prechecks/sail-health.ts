/**
 * Catches Sail resources that do not report themselves Healthy before the upgrade: the operator
 * itself says the `Istio`, an `IstioRevision`, the `IstioCNI` or the `ZTunnel` is not Ready, and
 * an upgrade then waits on a Ready that was never there. Blocks, naming the resource and the
 * condition that is not True.
 */
import type { Precheck } from './precheck.js';

export const sailHealth: Precheck = {
  id: 'sail-health',
  title: 'Sail Istio, IstioRevision, IstioCNI or ZTunnel not Healthy before the upgrade',
  run(input) {
    const resources = input.context.inventory.sail?.health ?? [];
    const unhealthy = resources.filter((r) => r.state !== 'Healthy' || !r.ready);
    const evidence = unhealthy.map(
      (r) => `${r.kind} ${r.name}: ${r.state ?? 'no state'}${r.problem === null ? '' : ` (${r.problem})`}`,
    );
    if (evidence.length === 0) return [];
    return [
      {
        check: 'sail-health',
        severity: 'block',
        message: `The Sail operator reports ${unhealthy.map((r) => `${r.kind} ${r.name}`).join(', ')} not Healthy: the upgrade would wait for a Ready they do not have`,
        evidence,
        remedy:
          'Look at `kubectl get istio,istiorevision,istiocni,ztunnel` and the pods they manage, fix what is not ready and plan again, or override sail-health',
      },
    ];
  },
};
