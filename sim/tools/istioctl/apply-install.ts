/**
 * Applies a rendered install and waits for it, printing istioctl's progress lines. Shared by
 * `install` and `upgrade`, which differ only in how they arrive at the settings.
 */
import { applyObject } from '../kube/objects.js';
import type { Kube } from '../kube/connect.js';
import { waitForRollout } from '../kube/rollout.js';
import { workloadsOf, type Component, type RenderedPart } from './render.js';

const ICONS: Record<Component, string> = {
  'Istio core': '⛵️',
  Istiod: '🧠',
  'Ingress gateways': '🛬',
  CNI: '🪢',
  Ztunnel: '🔒',
};

export async function applyInstall(
  kube: Kube,
  parts: readonly RenderedPart[],
  readinessTimeoutMs: number,
  timeoutText: string,
): Promise<number> {
  let writes = 0;
  for (const part of parts) {
    for (const o of part.objects) if ((await applyObject(kube, o, { keepReplicas: true })) !== 'unchanged') writes++;
  }
  await waitForRollout(kube, workloadsOf(parts), readinessTimeoutMs, (pending) =>
    [
      `failed to install manifests: resources not ready after ${timeoutText}: context deadline exceeded`,
      ...pending.map((w) => `  ${w.kind}/${w.namespace}/${w.name} (rollout not complete)`),
    ].join('\n'),
  );
  for (const part of parts) process.stdout.write(`✔ ${part.component} installed ${ICONS[part.component]}\n`);
  process.stdout.write('✔ Installation complete\n');
  return writes;
}
