import type { Finding } from './finding.js';
import { crosses } from './precheck.js';
import type { Precheck } from './precheck.js';

/**
 * 1.27 runs istio-proxy as a native sidecar (an init container with restartPolicy Always) by
 * default. Webhooks that rewrite pod containers may not expect that, and pods that opted out
 * keep the old layout.
 */
export const nativeSidecars: Precheck = {
  id: 'native-sidecars',
  title: '1.27 makes istio-proxy a native sidecar: foreign pod webhooks and opted-out pods',
  run(input) {
    if (!crosses(input, 1, 27)) return [];
    const { inventory } = input.context;
    const findings: Finding[] = [];
    const foreign = inventory.webhooks.filter((webhook) => webhook.kind === 'mutating' && !webhook.istio && webhook.targetsPods);
    if (foreign.length > 0) {
      findings.push({
        check: 'native-sidecars',
        severity: 'warn',
        message: 'From 1.27 istio-proxy becomes an init container; these mutating webhooks also edit pods and may break on or reorder it',
        evidence: foreign.map((webhook) => `MutatingWebhookConfiguration/${webhook.name}`),
        remedy: 'Check each webhook with native sidecars in a test namespace; if one breaks, opt its pods out with annotation sidecar.istio.io/nativeSidecar: "false" or install with compatibilityVersion 1.26',
      });
    }
    const optedOut = inventory.deployments.filter((deployment) => deployment.podAnnotations['sidecar.istio.io/nativeSidecar'] === 'false');
    if (optedOut.length > 0) {
      findings.push({
        check: 'native-sidecars',
        severity: 'info',
        message: 'These workloads opt out of native sidecars and keep istio-proxy as a regular container',
        evidence: optedOut.map((deployment) => `Deployment ${deployment.namespace}/${deployment.name}`),
        remedy: 'Nothing to do for the upgrade; remove the annotation once the reason for it is gone',
      });
    }
    return findings;
  },
};
