/**
 * Catches webhook configurations, Istio's or others', that call a Service which no longer exists.
 * The upgrade restarts pods, and a pod webhook nobody answers may refuse every one of them.
 */
import type { Precheck } from './precheck.js';

/** A webhook whose Service is gone fails every matching request (failurePolicy Fail) or silently skips. */
export const danglingWebhooks: Precheck = {
  id: 'dangling-webhooks',
  title: 'Webhooks whose Service does not exist',
  run(input) {
    const services = new Set(input.context.inventory.services);
    return input.context.inventory.webhooks.flatMap((webhook) => {
      const missing = webhook.services.filter((service) => !services.has(`${service.namespace}/${service.name}`));
      if (missing.length === 0) return [];
      const kind = webhook.kind === 'mutating' ? 'MutatingWebhookConfiguration' : 'ValidatingWebhookConfiguration';
      return [
        {
          check: 'dangling-webhooks',
          // A pod webhook pointing nowhere can stop every restart of the upgrade.
          severity: webhook.targetsPods ? ('block' as const) : ('warn' as const),
          message: `${kind} ${webhook.name} calls a Service that does not exist${webhook.targetsPods ? ': pod restarts may be refused' : ''}`,
          evidence: [
            `${kind}/${webhook.name}`,
            ...missing.map((service) => `Service ${service.namespace}/${service.name} (missing)`),
          ],
          remedy: webhook.istio
            ? 'Remove the leftover Istio webhook (e.g. of a revision already uninstalled) or restore its istiod'
            : 'Delete the webhook configuration or restore its Service',
        },
      ];
    });
  },
};
