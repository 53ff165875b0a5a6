/**
 * `npm run slack`: the approval bridge. Slack's interactivity requests arrive at
 * http://<host>:<port>/slack/events; answers go to the upgrades through Temporal, reached with
 * the same settings as the worker and the CLI (client/connection.ts).
 */
import { Connection, WorkflowClient } from '@temporalio/client';
import { describeTarget, temporalTarget } from '../connection.js';
import { BridgeConfigError, bridgeConfigFromEnv } from './config.js';
import type { BridgeConfig } from './config.js';
import { createBridge, EVENTS_PATH } from './bridge.js';

function loadConfig(): BridgeConfig {
  try {
    return bridgeConfigFromEnv();
  } catch (err) {
    if (!(err instanceof BridgeConfigError)) throw err;
    console.error(`slack-bridge: ${err.message}`);
    process.exit(2);
  }
}

const config = loadConfig();

const target = temporalTarget();
const connection = await Connection.connect(target.connectionOptions);
const bridge = createBridge({
  config,
  temporal: new WorkflowClient({
    connection,
    namespace: target.namespace,
    ...(target.dataConverter === undefined ? {} : { dataConverter: target.dataConverter }),
  }),
});
const address = await bridge.listen();
console.log(
  `slack-bridge: listening on ${address.address}:${address.port}${EVENTS_PATH} for ${config.approvers.size} mapped approvers; Temporal ${describeTarget(target)}`,
);

async function stop(): Promise<void> {
  await bridge.close();
  await connection.close();
}
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
