/**
 * Scale report for the simulator (not a test): by default 2,000 deployments with 8,000 pods in
 * one process, the size the scale tests run at, all restarted at once over HTTP, rolled out in
 * fast mode. Prints time and memory (target: under 500 MB at 2,000 deployments / 8,000 pods).
 *
 * The mesh boots with no pods and is scaled up through the API (bench/scale-up.ts says why),
 * so the store also holds the Events of that scale-up, as a cluster's would.
 * `npm run bench:sim [-- --deployments 2000 --replicas 4 --time-scale 600]`
 */
import { parseArgs } from 'node:util';
import { startSim } from '../sim/index.js';
import { patchDeployments, scaleUp } from './scale-up.js';

const { values } = parseArgs({
  options: {
    deployments: { type: 'string', default: '2000' },
    replicas: { type: 'string', default: '4' },
    'time-scale': { type: 'string', default: '600' },
  },
});
const deployments = Number(values.deployments);
const replicas = Number(values.replicas);
const timeScale = Number(values['time-scale']);
const namespaces = 20;
const mb = (n: number): number => Math.round(n / 1024 / 1024);
const memory = () => ({ heapMB: mb(process.memoryUsage().heapUsed), rssMB: mb(process.memoryUsage().rss) });
const seconds = (ms: number): number => Math.round(ms / 100) / 10;

const t0 = performance.now();
const sim = await startSim({
  timeScale,
  scenario: {
    name: 'bench-scale',
    timing: { podReadySeconds: 10, jobRunSeconds: 3 },
    nodes: 20,
    istio: { installer: 'istioctl', version: '1.26.4' },
    namespaces: Array.from({ length: namespaces }, (_, n) => ({
      name: `team-${n}`,
      labels: { 'istio-injection': 'enabled' },
      deployments: Array.from({ length: Math.ceil(deployments / namespaces) }, (_, i) => ({
        name: `svc-${i}`,
        replicas: 0,
      })),
    })),
  },
});
const booted = performance.now();
const bootMemory = memory();
console.log(
  `booted ${sim.list('deployments').length} deployments / ${sim.list('pods').length} pods in ${seconds(booted - t0)} s; heap ${bootMemory.heapMB} MB, rss ${bootMemory.rssMB} MB`,
);

const mine = sim
  .list('deployments')
  .filter((d) => d.metadata.namespace?.startsWith('team-'))
  .map((d) => ({ namespace: d.metadata.namespace ?? '', name: d.metadata.name }));
await scaleUp(sim, 'team-', replicas);
const scaled = performance.now();
const pods = sim.list('pods').filter((p) => p.metadata.namespace?.startsWith('team-')).length;
const scaledMemory = memory();
console.log(
  `scaled to ${replicas} replicas: ${mine.length} deployments / ${pods} pods in ${seconds(scaled - booted)} s; heap ${scaledMemory.heapMB} MB, rss ${scaledMemory.rssMB} MB`,
);

const restartedAt = new Date().toISOString();
await patchDeployments(sim, mine, {
  spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': restartedAt } } } },
});
const patched = performance.now();
await sim.settled(900_000);
const done = performance.now();
const afterMemory = memory();
console.log(`restart patches: ${seconds(patched - scaled)} s over HTTP for ${mine.length} deployments`);
console.log(
  `all ${mine.length} rollouts (${pods} pods replaced) complete in ${seconds(done - patched)} s real (${((((done - patched) / 1000) * timeScale) / 60).toFixed(1)} sim-minutes at ×${timeScale})`,
);
console.log(
  `memory after the rollouts: heap ${afterMemory.heapMB} MB, rss ${afterMemory.rssMB} MB; ${sim.list('pods').length} pods in the store`,
);
console.log(
  JSON.stringify({
    bench: 'sim-scale',
    date: new Date().toISOString(),
    deployments: mine.length,
    pods,
    timeScale,
    bootSeconds: seconds(booted - t0),
    boot: bootMemory,
    scaleSeconds: seconds(scaled - booted),
    scaled: scaledMemory,
    patchSeconds: seconds(patched - scaled),
    rolloutSeconds: seconds(done - patched),
    afterRollouts: afterMemory,
  }),
);
await sim.stop();
