/**
 * The worker: runs the upgrade workflows and the activities that touch the cluster.
 * `npm run worker`. Temporal settings come from the environment (client/connection.ts), the
 * cluster from KUBECONFIG (worker/activity-deps.ts).
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { describeTarget, temporalTarget } from '../client/connection.js';
import { activityDepsFromEnv } from './activity-deps.js';

const target = temporalTarget();
const { deps, cluster } = activityDepsFromEnv();
const connection = await NativeConnection.connect(target.connectionOptions);
const worker = await Worker.create({
  connection,
  namespace: target.namespace,
  taskQueue: target.taskQueue,
  // `.ts` under tsx, `.js` once built into dist/: the workflows sit beside this file's folder either way.
  workflowsPath: fileURLToPath(
    new URL(`../workflows/index${extname(fileURLToPath(import.meta.url))}`, import.meta.url),
  ),
  activities: createActivities(deps),
  ...(target.dataConverter === undefined ? {} : { dataConverter: target.dataConverter }),
});
console.log(`worker polling ${describeTarget(target)}; cluster: context ${cluster.context} at ${cluster.server}`);
try {
  await worker.run();
} finally {
  await connection.close();
}
