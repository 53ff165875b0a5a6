/**
 * Catches node agents (istio-cni, ztunnel) already outside the supported skew with istiod
 * before the upgrade starts: the plan's order keeps a supported skew only from a supported start.
 */
import { formatVersion, skewViolation, tryParseVersion } from '../version.js';
import type { Precheck } from './precheck.js';

/**
 * istio-cni and ztunnel must stay at most one minor behind the control plane and never ahead.
 * The plan keeps that order; this finds clusters already outside the rule.
 */
export const dataPlaneSkew: Precheck = {
  id: 'data-plane-skew',
  title: 'istio-cni or ztunnel already outside the skew rule',
  run(input) {
    const { inventory, source } = input.context;
    const evidence = [inventory.cni, inventory.ztunnel].flatMap((daemonSet) => {
      const version = tryParseVersion(daemonSet?.version);
      if (daemonSet === null || version === null) return [];
      const violation = skewViolation(source, version);
      return violation === null
        ? []
        : [
            `DaemonSet ${daemonSet.namespace}/${daemonSet.name} at ${formatVersion(version)}: ${violation.replace(' would be ', ' is ')}`,
          ];
    });
    if (evidence.length === 0) return [];
    return [
      {
        check: 'data-plane-skew',
        severity: 'block',
        message: 'Data-plane components are already outside the supported skew with the control plane',
        evidence,
        remedy: 'Bring istio-cni and ztunnel to within one minor of the control plane first',
      },
    ];
  },
};
