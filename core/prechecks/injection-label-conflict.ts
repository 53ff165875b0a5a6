/**
 * Catches namespaces labelled both `istio-injection` and `istio.io/rev`: the revision label there
 * is not the one that decides which istiod injects the pods the upgrade restarts.
 */
import { INJECTION_LABEL, REV_LABEL } from '../labels.js';
import type { Precheck } from './precheck.js';

/** With both labels, `istio-injection` wins: moving `istio.io/rev` alone would change nothing. */
export const injectionLabelConflict: Precheck = {
  id: 'injection-label-conflict',
  title: 'Namespaces with both istio-injection and istio.io/rev',
  run(input) {
    const both = input.context.inventory.namespaces.filter(
      (namespace) => namespace.labels[INJECTION_LABEL] !== undefined && namespace.labels[REV_LABEL] !== undefined,
    );
    if (both.length === 0) return [];
    return [
      {
        check: 'injection-label-conflict',
        severity: 'warn',
        message:
          'These namespaces have both istio-injection and istio.io/rev; istio-injection wins, so the revision label is ignored',
        evidence: both.map(
          (namespace) =>
            `Namespace ${namespace.name}: ${INJECTION_LABEL}=${namespace.labels[INJECTION_LABEL] ?? ''}, ${REV_LABEL}=${namespace.labels[REV_LABEL] ?? ''}`,
        ),
        remedy: 'Remove istio-injection (a revision-based plan does so when it moves the namespace)',
      },
    ];
  },
};
