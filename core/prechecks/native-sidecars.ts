/**
 * Catches an upgrade across 1.27 on revisions that have not chosen a sidecar layout: every pod
 * restarted after it runs istio-proxy as a native sidecar, which foreign pod webhooks and tools
 * that count containers may not expect.
 */
import type { Finding } from './finding.js';
import { hopInto } from './precheck.js';
import type { Precheck } from './precheck.js';

const SOURCE = 'https://istio.io/latest/news/releases/1.27.x/announcing-1.27/upgrade-notes/';

/**
 * Whether the revision already decided the layout, so 1.27 changes nothing for it:
 * `ENABLE_NATIVE_SIDECARS` set on istiod (either way), or a compatibilityVersion of 1.26 or
 * older, which keeps istio-proxy a regular container.
 */
function decided(revision: {
  name: string;
  istiodEnv: Record<string, string>;
  compatibilityVersion: string | null;
}): string | null {
  const flag = revision.istiodEnv.ENABLE_NATIVE_SIDECARS;
  if (flag !== undefined) return `revision ${revision.name}: ENABLE_NATIVE_SIDECARS=${flag}`;
  const compat = revision.compatibilityVersion;
  if (compat !== null && Number(compat.split('.')[1]) <= 26)
    return `revision ${revision.name}: compatibilityVersion ${compat}`;
  return null;
}

/**
 * 1.27 runs istio-proxy as a native sidecar (an init container with restartPolicy Always) by
 * default. Every restarted pod changes shape: `kubectl get pods` READY counts one container
 * fewer, and tools that list containers no longer find istio-proxy there. Webhooks that rewrite
 * pod containers may not expect it, and pods that opted out keep the old layout.
 */
export const nativeSidecars: Precheck = {
  id: 'native-sidecars',
  title: '1.27 makes istio-proxy a native sidecar: the pod layout change, foreign pod webhooks, opted-out pods',
  run(input) {
    const hop = hopInto(input, 1, 27);
    if (hop === null) return [];
    const { inventory } = input.context;
    const revisions = inventory.controlPlane.revisions;
    if (revisions.length > 0 && revisions.every((revision) => decided(revision) !== null)) return [];
    const findings: Finding[] = [];
    findings.push({
      check: 'native-sidecars',
      severity: 'info',
      message:
        'From 1.27 istio-proxy runs as an init container (native sidecar): restarted pods show one container fewer in kubectl get pods READY, and tools that list containers no longer see istio-proxy among them',
      evidence: revisions
        .filter((revision) => decided(revision) === null)
        .map(
          (revision) =>
            `revision ${revision.name}: neither ENABLE_NATIVE_SIDECARS nor compatibilityVersion 1.26 or older`,
        ),
      remedy:
        'Check dashboards, alerts and scripts that count or name containers; keep the old layout with ENABLE_NATIVE_SIDECARS=false or compatibilityVersion 1.26 if they cannot change yet',
      hop,
      source: SOURCE,
    });
    const foreign = inventory.webhooks.filter(
      (webhook) => webhook.kind === 'mutating' && !webhook.istio && webhook.targetsPods,
    );
    if (foreign.length > 0) {
      findings.push({
        check: 'native-sidecars',
        severity: 'warn',
        message:
          'From 1.27 istio-proxy becomes an init container; these mutating webhooks also edit pods and may break on or reorder it',
        evidence: foreign.map((webhook) => `MutatingWebhookConfiguration/${webhook.name}`),
        remedy:
          'Check each webhook with native sidecars in a test namespace; if one breaks, opt its pods out with annotation sidecar.istio.io/nativeSidecar: "false" or install with compatibilityVersion 1.26',
        hop,
        source: SOURCE,
      });
    }
    const optedOut = inventory.deployments.filter(
      (deployment) => deployment.podAnnotations['sidecar.istio.io/nativeSidecar'] === 'false',
    );
    if (optedOut.length > 0) {
      findings.push({
        check: 'native-sidecars',
        severity: 'info',
        message: 'These workloads opt out of native sidecars and keep istio-proxy as a regular container',
        evidence: optedOut.map((deployment) => `Deployment ${deployment.namespace}/${deployment.name}`),
        remedy: 'Nothing to do for the upgrade; remove the annotation once the reason for it is gone',
        hop,
        source: SOURCE,
      });
    }
    return findings;
  },
};
