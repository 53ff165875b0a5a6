/**
 * Label rules Istio applies to namespaces and pods, and Kubernetes label selectors, as pure
 * functions over inventory data.
 */
import type { LabelSelector, NamespaceInfo } from './inventory.js';

export const INJECTION_LABEL = 'istio-injection';
export const REV_LABEL = 'istio.io/rev';
export const DATAPLANE_MODE_LABEL = 'istio.io/dataplane-mode';

/**
 * On a Namespace (or, for a workload pinned by its pod label, its Deployment) an upgrade put back
 * on the old revision: JSON of `RevertedAnnotation`. A later start plans the rest from it.
 */
export const REVERTED_ANNOTATION = 'istio-upgrade.io/reverted';

export interface RevertedAnnotation {
  /** The upgrade's workflow id. */
  upgrade: string;
  /** The new revision it had moved to. */
  from: string;
  /** The old revision it is back on. */
  to: string;
  /** "<who>: <comment>". */
  reason: string;
  /** ISO time of the revert. */
  at: string;
}

export function selectorMatches(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
  for (const expression of selector.matchExpressions ?? []) {
    const value = labels[expression.key];
    const values = expression.values ?? [];
    switch (expression.operator) {
      case 'In':
        if (value === undefined || !values.includes(value)) return false;
        break;
      case 'NotIn':
        if (value !== undefined && values.includes(value)) return false;
        break;
      case 'Exists':
        if (value === undefined) return false;
        break;
      case 'DoesNotExist':
        if (value !== undefined) return false;
        break;
    }
  }
  return true;
}

/**
 * What a namespace's injection points at, by Istio's precedence: `istio-injection=enabled`
 * wins over `istio.io/rev` and means the `default` revision or tag. Null: not injected.
 */
export function injectionTarget(namespace: NamespaceInfo): string | null {
  const injection = namespace.labels[INJECTION_LABEL];
  if (injection === 'disabled') return null;
  if (injection === 'enabled') return 'default';
  return namespace.labels[REV_LABEL] ?? null;
}

export function isAmbientNamespace(namespace: NamespaceInfo): boolean {
  return namespace.labels[DATAPLANE_MODE_LABEL] === 'ambient';
}

/** Enrolled in the mesh: injected with sidecars, or captured by ztunnel. */
export function isMeshNamespace(namespace: NamespaceInfo): boolean {
  return injectionTarget(namespace) !== null || isAmbientNamespace(namespace);
}
