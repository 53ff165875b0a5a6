/**
 * The worker: runs the upgrade workflows and the activities that touch clusters.
 * `npm run worker`. Connection settings come from the environment (see connection.ts).
 */
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { describeTarget, temporalTarget } from '../client/connection.js';

const target = temporalTarget();
const connection = await NativeConnection.connect(target.connectionOptions);
const worker = await Worker.create({
  connection,
  namespace: target.namespace,
  taskQueue: target.taskQueue,
  workflowsPath: fileURLToPath(new URL('../workflows/index.ts', import.meta.url)),
});
console.log(`worker polling ${describeTarget(target)}`);
try {
  await worker.run();
} finally {
  await connection.close();
}
