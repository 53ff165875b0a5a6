/**
 * The precheck catalog. Each check reads the plan context only (no cluster): the workflow's
 * precheck step re-reads the inventory, runs this catalog again and `istioctl x precheck`.
 */
import { autoSniDefaults } from './auto-sni-defaults.js';
import { compatibilityVersion } from './compatibility-version.js';
import { componentHealth } from './component-health.js';
import { danglingRevisionTags } from './dangling-revision-tags.js';
import { danglingWebhooks } from './dangling-webhooks.js';
import { dataPlaneSkew } from './data-plane-skew.js';
import type { Finding, Severity } from './finding.js';
import { injectionLabelConflict } from './injection-label-conflict.js';
import { installMismatch } from './install-mismatch.js';
import { istiodAvailability } from './istiod-availability.js';
import { nativeSidecars } from './native-sidecars.js';
import { podLabelOverridden } from './pod-label-overridden.js';
import type { Precheck, PrecheckInput } from './precheck.js';
import { proxiesBehind } from './proxies-behind.js';
import { removedTracingProviders } from './removed-tracing-providers.js';
import { sailDiscoverySelectors } from './sail-discovery-selectors.js';
import { sailHealth } from './sail-health.js';
import { sailVersion } from './sail-version.js';
import { sourceMismatch } from './source-mismatch.js';
import { upgradeNotes } from './upgrade-notes.js';
import { waypointTags } from './waypoint-tags.js';

export const PRECHECKS: readonly Precheck[] = [
  sourceMismatch,
  installMismatch,
  sailVersion,
  nativeSidecars,
  removedTracingProviders,
  autoSniDefaults,
  upgradeNotes,
  compatibilityVersion,
  injectionLabelConflict,
  podLabelOverridden,
  proxiesBehind,
  dataPlaneSkew,
  danglingWebhooks,
  istiodAvailability,
  sailDiscoverySelectors,
  danglingRevisionTags,
  waypointTags,
  componentHealth,
  sailHealth,
];

const RANK: Record<Severity, number> = { block: 0, warn: 1, info: 2 };

/** Every finding, most severe first (catalog order within a severity). */
export function runPrechecks(input: PrecheckInput): Finding[] {
  return PRECHECKS.flatMap((check) => check.run(input)).sort((a, b) => RANK[a.severity] - RANK[b.severity]);
}

export function blocks(findings: readonly Finding[]): boolean {
  return findings.some((finding) => finding.severity === 'block');
}
