/** The Sail operator's resources (`sailoperator.io/v1`), all cluster-scoped, and their shape as far as the adapters read it. */
import type { KubernetesObject } from '@kubernetes/client-node';

export const SAIL_GROUP = 'sailoperator.io';
export const SAIL_VERSION = 'v1';

export const SAIL_PLURALS = {
  Istio: 'istios',
  IstioCNI: 'istiocnis',
  ZTunnel: 'ztunnels',
  IstioRevision: 'istiorevisions',
} as const;
export type SailKind = keyof typeof SAIL_PLURALS;

export interface SailCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

export interface SailObject extends KubernetesObject {
  spec?: {
    version?: string;
    namespace?: string;
    updateStrategy?: { type?: 'InPlace' | 'RevisionBased'; inactiveRevisionDeletionGracePeriodSeconds?: number };
  };
  status?: {
    observedGeneration?: number;
    state?: string;
    conditions?: SailCondition[];
  };
}

export function condition(object: SailObject, type: string): SailCondition | undefined {
  return object.status?.conditions?.find((c) => c.type === type);
}
