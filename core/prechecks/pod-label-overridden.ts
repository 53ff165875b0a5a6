/**
 * Catches workloads whose pod template pins a revision with `istio.io/rev` in a namespace whose
 * own injection label decides instead: the pod label is silently ignored, so the workload moves
 * (and reverts) with its namespace, not on its own as whoever labelled it expects.
 */
import { INJECTION_LABEL, REV_LABEL } from '../labels.js';
import type { Precheck } from './precheck.js';

const SOURCE = 'https://github.com/istio/istio/issues/48316';

/**
 * The injector's webhooks look at a pod's `istio.io/rev` only in namespaces with neither
 * `istio-injection` nor `istio.io/rev` (the selectors in the istio-discovery chart's
 * mutatingwebhook.yaml); `istio-injection=disabled` turns injection off whatever the pod says.
 */
export const podLabelOverridden: Precheck = {
  id: 'pod-label-overridden',
  title: "Workloads whose pod istio.io/rev their namespace's injection label overrides",
  run(input) {
    const { inventory } = input.context;
    const labelled = new Map(
      inventory.namespaces
        .filter(
          (namespace) => namespace.labels[INJECTION_LABEL] !== undefined || namespace.labels[REV_LABEL] !== undefined,
        )
        .map((namespace) => [namespace.name, namespace.labels] as const),
    );
    const evidence = inventory.deployments.flatMap((deployment) => {
      const podRevision = deployment.podLabels[REV_LABEL];
      const namespace = labelled.get(deployment.namespace);
      if (podRevision === undefined || namespace === undefined || deployment.podLabels.app === 'istiod') return [];
      const injection = namespace[INJECTION_LABEL];
      const decides =
        injection === 'disabled'
          ? `${INJECTION_LABEL}=disabled (not injected at all)`
          : injection === 'enabled'
            ? `${INJECTION_LABEL}=enabled (revision default)`
            : injection !== undefined
              ? `${INJECTION_LABEL}=${injection}`
              : `${REV_LABEL}=${namespace[REV_LABEL] ?? ''}`;
      const namespaceRevision =
        injection === 'enabled' ? 'default' : injection === undefined ? namespace[REV_LABEL] : null;
      if (namespaceRevision === podRevision) return [];
      return [
        `Deployment ${deployment.namespace}/${deployment.name}: pod ${REV_LABEL}=${podRevision} is ignored, namespace ${deployment.namespace} has ${decides}`,
      ];
    });
    if (evidence.length === 0) return [];
    return [
      {
        check: 'pod-label-overridden',
        severity: 'warn',
        message:
          "These workloads pin a revision by their pod label, but their namespace's injection label decides: the pod label is ignored, so they move and revert with their namespace, not on their own",
        evidence,
        remedy:
          "Remove istio.io/rev from the pod template (the namespace decides), or remove the namespace's injection labels so each workload's own label decides",
        source: SOURCE,
      },
    ];
  },
};
