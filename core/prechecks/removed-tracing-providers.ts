/**
 * Catches Lightstep or OpenCensus tracing providers in mesh config on an upgrade across 1.27,
 * which removes them: nothing fails, the traces just stop.
 */
import type { Precheck } from './precheck.js';
import { hopInto } from './precheck.js';

const REMOVED = new Set(['lightstep', 'opencensus']);

/**
 * 1.27 drops the Lightstep and OpenCensus providers: tracing would stop without any error.
 * https://istio.io/latest/news/releases/1.26.x/announcing-1.26/upgrade-notes/ (announced removal)
 */
export const removedTracingProviders: Precheck = {
  id: 'removed-tracing-providers',
  title: 'Lightstep or OpenCensus tracing providers in mesh config (removed in 1.27)',
  run(input) {
    const hop = hopInto(input, 1, 27);
    if (hop === null) return [];
    const evidence = input.context.inventory.controlPlane.revisions.flatMap((revision) =>
      (revision.meshConfig?.extensionProviders ?? [])
        .filter((provider) => REMOVED.has(provider.kind))
        .map((provider) => `revision ${revision.name}: extensionProviders ${provider.name} (${provider.kind})`),
    );
    if (evidence.length === 0) return [];
    return [
      {
        check: 'removed-tracing-providers',
        severity: 'block',
        message: 'Mesh config uses tracing providers that 1.27 removes: tracing would silently stop',
        evidence,
        remedy:
          'Move these providers to opentelemetry (an OpenTelemetry collector can export to Lightstep) before upgrading',
        hop,
        source: 'https://istio.io/latest/news/releases/1.27.x/announcing-1.27/upgrade-notes/',
      },
    ];
  },
};
