/**
 * `npm start`: the main job on the embedded default. It brings up a local Temporal with its Web
 * UI, a simulated cluster (an istioctl-installed sidecar mesh on 1.26 running bookinfo), and a
 * worker whose activities act on that cluster, then prints the upgrade plan for
 * examples/demo-istioctl-canary.yaml as the operator would see it. Runs until Ctrl-C.
 *
 * This harness may import sim/: it is the demo's stand-in for a real cluster, reached by the
 * worker and the CLI only through the kubeconfig it writes.
 */
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { runPlan } from '../client/commands/plan.js';
import { DEFAULT_TASK_QUEUE } from '../client/connection.js';
import { startSim } from '../sim/index.js';
import { startLocalTemporal } from './dev-server.js';

const SCENARIO = 'sim/scenarios/sidecar-istioctl-1.26.yaml';
const SPEC = 'examples/demo-istioctl-canary.yaml';
const root = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));

Runtime.install({ logger: new DefaultLogger('WARN') });
const temporal = await startLocalTemporal();
// A simulated minute passes in two real seconds, so soaks and rollouts are watchable, not slow.
const sim = await startSim({ scenario: root(SCENARIO), timeScale: 30 });

const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(sim.kubeconfigPath);
const connection = await NativeConnection.connect({ address: temporal.address });
const worker = await Worker.create({
  connection,
  taskQueue: DEFAULT_TASK_QUEUE,
  workflowsPath: root('workflows/index.ts'),
  activities: createActivities({ kubeConfig, tools: { kubeconfigPath: sim.kubeconfigPath } }),
});
const running = worker.run();

console.log(`Temporal:          ${temporal.address}   Web UI: ${temporal.uiAddress}`);
console.log(`Simulated cluster: ${sim.scenario.name} at ${sim.httpsUrl}`);
console.log(`                   export KUBECONFIG=${sim.kubeconfigPath}`);
console.log(`Worker:            task queue ${DEFAULT_TASK_QUEUE}, activities on the simulated cluster\n`);
console.log(`The plan for ${SPEC} (npm run cli -- plan -f ${SPEC} --kubeconfig ${sim.kubeconfigPath}):\n`);
await runPlan({ file: root(SPEC), kubeconfig: sim.kubeconfigPath });
console.log('\nNot yet: starting this upgrade. The upgrade workflows are the next issues; until they land, the');
console.log('plan above is what would run. Ctrl-C stops everything; Temporal state is kept in .temporal/dev.db.');

const stop = async (): Promise<void> => {
  worker.shutdown();
  await running;
  await connection.close();
  await sim.stop();
  await temporal.stop();
  process.exit(0);
};
process.removeAllListeners('SIGINT');
process.removeAllListeners('SIGTERM');
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop());
