/** The kubernetes adapters, built from one set of clients. */
import { createAccessReviewActivities } from './access-review.js';
import type { KubeClients } from './clients.js';
import { createComponentActivities } from './components.js';
import { createGatewayLabelActivities } from './gateway-labels.js';
import { createInventoryActivities } from './inventory.js';
import { createLabelActivities } from './labels.js';
import { createProxyActivities } from './proxies.js';
import { createRestartActivities } from './restart.js';
import { createRevertedActivities } from './reverted.js';
import { createRolloutActivities } from './rollout.js';

export function createKubernetesActivities(clients: KubeClients) {
  return {
    ...createInventoryActivities(clients),
    ...createLabelActivities(clients),
    ...createGatewayLabelActivities(clients),
    ...createRestartActivities(clients),
    ...createRolloutActivities(clients),
    ...createProxyActivities(clients),
    ...createAccessReviewActivities(clients),
    ...createComponentActivities(clients),
    ...createRevertedActivities(clients),
  };
}
