/**
 * Scale report for the simulator (not a test): 500 deployments with 2,000 pods in one process,
 * all restarted at once over HTTP, rolled out in fast mode. Prints time and memory.
 * `npm run bench:sim [-- --deployments 500 --replicas 4 --time-scale 600]`
 */
import { parseArgs } from 'node:util';
import { startSim } from '../sim/index.js';

const { values } = parseArgs({
  options: {
    deployments: { type: 'string', default: '500' },
    replicas: { type: 'string', default: '4' },
    'time-scale': { type: 'string', default: '600' },
  },
});
const deployments = Number(values.deployments);
const replicas = Number(values.replicas);
const timeScale = Number(values['time-scale']);
const namespaces = 10;
const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(0)} MB`;

const t0 = performance.now();
const sim = await startSim({
  timeScale,
  watchHistory: 200_000,
  scenario: {
    name: 'bench-scale',
    timing: { podReadySeconds: 10, jobRunSeconds: 3 },
    nodes: 20,
    istio: { installer: 'istioctl', version: '1.26.4' },
    namespaces: Array.from({ length: namespaces }, (_, n) => ({
      name: `team-${n}`,
      labels: { 'istio-injection': 'enabled' },
      deployments: Array.from({ length: deployments / namespaces }, (_, i) => ({ name: `svc-${i}`, replicas })),
    })),
  },
});
const started = performance.now();
const pods = sim.list('pods').length;
console.log(`started ${deployments} deployments / ${pods} pods in ${((started - t0) / 1000).toFixed(1)} s; heap ${mb(process.memoryUsage().heapUsed)}, rss ${mb(process.memoryUsage().rss)}`);

const restartedAt = new Date().toISOString();
const body = JSON.stringify({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': restartedAt } } } } });
await Promise.all(
  sim.list('deployments').filter((d) => d.metadata.namespace?.startsWith('team-')).map((d) =>
    fetch(`${sim.url}/apis/apps/v1/namespaces/${d.metadata.namespace}/deployments/${d.metadata.name}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${sim.token}`, 'content-type': 'application/strategic-merge-patch+json' },
      body,
    }).then((r) => {
      if (!r.ok) throw new Error(`restart of ${d.metadata.name} failed: ${r.status}`);
    }),
  ),
);
const patched = performance.now();
await sim.settled(600_000);
const done = performance.now();
const simSeconds = ((done - patched) / 1000) * timeScale;
console.log(`restart patches: ${((patched - started) / 1000).toFixed(1)} s over HTTP (${sim.writeLog.length} writes)`);
console.log(`all ${deployments} rollouts complete in ${((done - patched) / 1000).toFixed(1)} s real (${(simSeconds / 60).toFixed(1)} sim-minutes at ×${timeScale})`);
console.log(`memory after rollout: heap ${mb(process.memoryUsage().heapUsed)}, rss ${mb(process.memoryUsage().rss)}; objects in store ${sim.list('pods').length} pods`);
await sim.stop();
