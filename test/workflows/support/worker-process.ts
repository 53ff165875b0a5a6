/**
 * A worker in a process of its own, so a crash test can kill it with SIGKILL the way a node dies:
 * the real activities on a simulated cluster's kubeconfig and the stand-in tools, polling the
 * test run's dev server. It prints `ready` once it polls. Started by crash-harness.ts as
 *
 *   node --import tsx test/workflows/support/worker-process.ts \
 *     --address 127.0.0.1:7233 --task-queue q --kubeconfig /tmp/…/kubeconfig --bundle /tmp/…/workflows.js
 *
 * `--bundle` is the workflow code the test process already bundled: a restarted worker polls
 * within a second or two instead of bundling again.
 */
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../../activities/index.js';
import { standInToolsFolder } from '../../../sim/index.js';

const { values } = parseArgs({
  options: {
    address: { type: 'string' },
    'task-queue': { type: 'string' },
    kubeconfig: { type: 'string' },
    bundle: { type: 'string' },
  },
});
const { address, 'task-queue': taskQueue, kubeconfig, bundle } = values;
if (address === undefined || taskQueue === undefined || kubeconfig === undefined || bundle === undefined) {
  console.error('usage: worker-process.ts --address HOST:PORT --task-queue NAME --kubeconfig PATH --bundle PATH');
  process.exit(2);
}

const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(kubeconfig);
const activities = createActivities({
  kubeConfig,
  tools: { kubeconfigPath: kubeconfig, searchPath: [standInToolsFolder()] },
});
const connection = await NativeConnection.connect({ address });
const worker = await Worker.create({ connection, taskQueue, workflowBundle: { codePath: bundle }, activities });
const running = worker.run();
process.stdout.write('ready\n');
await running;
await connection.close();
