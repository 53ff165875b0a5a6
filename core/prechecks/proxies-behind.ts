/**
 * Catches proxies, sidecars and gateways, already more than one minor behind istiod before the
 * upgrade starts: outside Istio's support window, and further outside after an in-place upgrade.
 */
import { formatVersion, minorsBetween, tryParseVersion } from '../version.js';
import type { Precheck } from './precheck.js';

/**
 * Proxies already more than one minor behind the running control plane are outside Istio's
 * support window; an in-place upgrade would widen the gap before their restart.
 */
export const proxiesBehind: Precheck = {
  id: 'proxies-behind',
  title: 'Proxies already more than one minor behind the control plane',
  run(input) {
    const { inventory, source, spec } = input.context;
    const proxies = [
      ...inventory.deployments.flatMap((deployment) =>
        deployment.proxies.map((proxy) => ({
          object: `Pod ${deployment.namespace}/${proxy.pod}`,
          version: proxy.version,
        })),
      ),
      ...inventory.gateways.map((gateway) => ({
        object: `gateway ${gateway.namespace}/${gateway.name}`,
        version: gateway.version,
      })),
    ];
    const behind = proxies.filter((proxy) => {
      const version = tryParseVersion(proxy.version);
      return version !== null && minorsBetween(version, source) > 1;
    });
    if (behind.length === 0) return [];
    const inPlace = spec.install.strategy === 'in-place';
    return [
      {
        check: 'proxies-behind',
        severity: inPlace ? 'block' : 'warn',
        message: `These proxies are more than one minor behind the control plane at ${formatVersion(source)}${inPlace ? '; an in-place upgrade would leave them further behind' : '; the old revision keeps serving them until they restart'}`,
        evidence: behind.map((proxy) => `${proxy.object} at ${proxy.version ?? '?'}`),
        remedy:
          'Restart these workloads on the current control plane first, or exclude them and handle them separately',
      },
    ];
  },
};
