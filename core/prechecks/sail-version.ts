/**
 * Catches, on Sail installs, a target the installed operator does not offer, which the API
 * server would refuse at the upgrade's first write, and reports an alias in `spec.version`.
 */
import { tryParseVersion } from '../version.js';
import type { Precheck } from './precheck.js';

const SOURCE = 'https://github.com/istio-ecosystem/sail-operator/blob/main/docs/README.md#supported-versions';

/**
 * The Sail operator installs only the versions its `Istio` CRD lists in the `spec.version` enum;
 * any other target is rejected by the API server at the first write. An alias in `spec.version`
 * (`v1.26-latest`) is resolved from the running revision and reported so the operator knows
 * what the plan starts from.
 */
export const sailVersion: Precheck = {
  id: 'sail-version',
  title: 'Sail: a target the operator does not offer, or an alias in Istio spec.version',
  run(input) {
    const { spec, inventory, target, sailAlias, source } = input.context;
    if (spec.install.method !== 'sail') return [];
    const offered = inventory.sail?.supportedVersions ?? null;
    const findings = [];
    if (
      offered !== null &&
      offered !== undefined &&
      !offered.some((version) => {
        const parsed = tryParseVersion(version);
        return (
          parsed !== null &&
          parsed.major === target.major &&
          parsed.minor === target.minor &&
          parsed.patch === target.patch
        );
      })
    ) {
      const sameMinor = offered.filter(
        (version) =>
          version.startsWith(`v${target.major}.${target.minor}.`) ||
          version.startsWith(`${target.major}.${target.minor}.`),
      );
      findings.push({
        check: 'sail-version',
        severity: 'block' as const,
        message: `The installed Sail operator does not offer Istio ${spec.version.target}: the Istio resource would be refused`,
        evidence: [`Istio CRD spec.version offers: ${offered.join(', ') || 'none'}`],
        remedy:
          sameMinor.length > 0
            ? `Target one it offers (${sameMinor.join(', ')}), or upgrade the Sail operator first`
            : 'Upgrade the Sail operator to a release that ships this version first',
        source: SOURCE,
      });
    }
    if (sailAlias !== null) {
      findings.push({
        check: 'sail-version',
        severity: 'info' as const,
        message: `Istio ${inventory.sail?.istio?.name ?? spec.install.sailIstioName} has spec.version ${sailAlias}, an alias: the plan starts from the version its revision runs, ${source.major}.${source.minor}.${source.patch}`,
        evidence: [`Istio/${inventory.sail?.istio?.name ?? spec.install.sailIstioName} spec.version=${sailAlias}`],
        remedy: 'Nothing to do; the upgrade sets spec.version to an exact version',
        source: SOURCE,
      });
    }
    return findings;
  },
};
