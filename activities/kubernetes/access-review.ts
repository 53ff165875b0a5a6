/**
 * The permissions precheck's question to the cluster: may these credentials do each of these
 * things? One `SelfSubjectAccessReview` per permission (what `kubectl auth can-i` sends), so
 * the answer is the API server's own authorizer, not a guess from reading RBAC objects, which
 * would need more permissions than the upgrade itself and miss webhook authorizers.
 */
import { AuthorizationV1Api } from '@kubernetes/client-node';
import type { ApiPermission } from '../../core/permissions/permission.js';
import { read } from './call.js';
import type { KubeClients } from './clients.js';

export interface AccessReviewInput {
  permissions: ApiPermission[];
}

export interface AccessReviewResult {
  permission: ApiPermission;
  allowed: boolean;
  /** The authorizer's reason when it gives one. */
  reason: string | null;
}

/** Reviews are independent; a few at a time keeps a large plan quick without flooding the API server. */
const CONCURRENCY = 8;

export function createAccessReviewActivities(clients: KubeClients) {
  const authorization = clients.kubeConfig.makeApiClient(AuthorizationV1Api);

  async function review(p: ApiPermission): Promise<AccessReviewResult> {
    const answer = await read(`review access to ${p.verb} ${p.resource}`, () =>
      authorization.createSelfSubjectAccessReview({
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: {
            resourceAttributes: {
              verb: p.verb,
              group: p.group,
              resource: p.resource,
              ...(p.namespace === null ? {} : { namespace: p.namespace }),
            },
          },
        },
      }),
    );
    const status = answer.status;
    return {
      permission: p,
      allowed: status?.allowed === true && status.denied !== true,
      reason: status?.reason || null,
    };
  }

  return {
    reviewAccess: async (input: AccessReviewInput): Promise<AccessReviewResult[]> => {
      const results: AccessReviewResult[] = [];
      for (let i = 0; i < input.permissions.length; i += CONCURRENCY) {
        results.push(...(await Promise.all(input.permissions.slice(i, i + CONCURRENCY).map(review))));
      }
      return results;
    },
  };
}
