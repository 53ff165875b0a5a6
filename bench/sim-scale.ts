/**
 * Scale report for the simulator (not a test: figures, never assertions). By default 2,000
 * deployments with 8,000 pods in one process, the size the scale tests run at, all restarted at
 * once over HTTP, rolled out in fast mode. It reports, per phase (boot, scale-up, restart of
 * every deployment): wall time and CPU seconds, and memory (resident set, and the heap left
 * after a full garbage collection) in all and per 1,000 pods; and the CPU an idle simulator
 * spends per minute, once booted and once it holds every pod.
 *
 * CPU seconds are the process's (user + system): the simulator and the HTTP client that sends it
 * the PATCHes share it, as a test's would. Idle means nothing is sent and nothing rolls out.
 *
 * The mesh boots with no pods and is scaled up through the API (bench/scale-up.ts says why),
 * so the store also holds the Events of that scale-up, as a cluster's would.
 * `npm run bench:sim [-- --deployments 2000 --replicas 4 --time-scale 600 --idle-seconds 30]`;
 * `--quick` measures 500 deployments and 10 s of idling.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseArgs } from 'node:util';
import { startSim } from '../sim/index.js';
import { patchDeployments, scaleUp } from './scale-up.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    deployments: { type: 'string' },
    replicas: { type: 'string', default: '4' },
    'time-scale': { type: 'string', default: '600' },
    'idle-seconds': { type: 'string' },
  },
});
const deployments = Number(values.deployments ?? (values.quick ? 500 : 2000));
const replicas = Number(values.replicas);
const timeScale = Number(values['time-scale']);
const idleSeconds = Number(values['idle-seconds'] ?? (values.quick ? 10 : 30));
const numbers = { deployments, replicas, 'time-scale': timeScale, 'idle-seconds': idleSeconds };
for (const [name, value] of Object.entries(numbers)) {
  if (!(value > 0)) throw new Error(`--${name} must be a positive number, got ${String(value)}`);
}
const namespaces = 20;

// A full collection before each memory reading, so the heap figure is what the store keeps alive.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;
const mb = (n: number): number => round(n / 1024 / 1024);
function memory(pods: number): {
  heapMB: number;
  rssMB: number;
  heapMBPer1000Pods?: number;
  rssMBPer1000Pods?: number;
} {
  gc();
  const { heapUsed, rss } = process.memoryUsage();
  const perThousand =
    pods > 0 ? { heapMBPer1000Pods: mb(heapUsed / (pods / 1000)), rssMBPer1000Pods: mb(rss / (pods / 1000)) } : {};
  return { heapMB: mb(heapUsed), rssMB: mb(rss), ...perThousand };
}

/** Wall seconds and CPU seconds of what `run` does. */
async function measure(run: () => Promise<void>): Promise<{ seconds: number; cpuSeconds: number }> {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await run();
  const used = process.cpuUsage(cpu);
  return { seconds: round((performance.now() - t0) / 1000), cpuSeconds: round((used.user + used.system) / 1e6, 2) };
}

/** CPU seconds per minute the process spends while nothing is asked of the simulator. */
async function idleCpuPerMinute(): Promise<number> {
  const { cpuSeconds } = await measure(() => new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000)));
  return round((cpuSeconds * 60) / idleSeconds, 2);
}

let sim!: Awaited<ReturnType<typeof startSim>>;
const boot = await measure(async () => {
  sim = await startSim({
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
});
const bootMemory = memory(0);
console.log(
  `booted ${sim.list('deployments').length} deployments / ${sim.list('pods').length} pods in ${boot.seconds} s (${boot.cpuSeconds} CPU s); heap ${bootMemory.heapMB} MB, rss ${bootMemory.rssMB} MB`,
);
const idleBooted = await idleCpuPerMinute();
console.log(`idle, booted: ${idleBooted} CPU s per minute (${idleSeconds} s measured at ×${timeScale})`);

const mine = sim
  .list('deployments')
  .filter((d) => d.metadata.namespace?.startsWith('team-'))
  .map((d) => ({ namespace: d.metadata.namespace ?? '', name: d.metadata.name }));
const scale = await measure(async () => {
  await scaleUp(sim, 'team-', replicas);
});
const pods = sim.list('pods').filter((p) => p.metadata.namespace?.startsWith('team-')).length;
const scaledMemory = memory(pods);
console.log(
  `scaled to ${replicas} replicas: ${mine.length} deployments / ${pods} pods in ${scale.seconds} s (${scale.cpuSeconds} CPU s, ${round(scale.cpuSeconds / (pods / 1000), 2)} per 1,000 pods); heap ${scaledMemory.heapMB} MB (${scaledMemory.heapMBPer1000Pods} per 1,000 pods), rss ${scaledMemory.rssMB} MB (${scaledMemory.rssMBPer1000Pods} per 1,000 pods)`,
);
const idleScaled = await idleCpuPerMinute();
console.log(`idle, ${pods} pods: ${idleScaled} CPU s per minute`);

let patchSeconds = 0;
const restart = await measure(async () => {
  const t0 = performance.now();
  await patchDeployments(sim, mine, {
    spec: {
      template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() } } },
    },
  });
  patchSeconds = round((performance.now() - t0) / 1000);
  await sim.settled(1_800_000);
});
const afterMemory = memory(pods);
console.log(
  `restart of all ${mine.length} deployments (${pods} pods replaced): ${restart.seconds} s until every rollout was done (the PATCHes took ${patchSeconds} s; ${round((restart.seconds * timeScale) / 60)} sim-minutes at ×${timeScale}), ${restart.cpuSeconds} CPU s (${round(restart.cpuSeconds / (pods / 1000), 2)} per 1,000 pods replaced)`,
);
console.log(
  `memory after the restart: heap ${afterMemory.heapMB} MB (${afterMemory.heapMBPer1000Pods} per 1,000 pods), rss ${afterMemory.rssMB} MB (${afterMemory.rssMBPer1000Pods} per 1,000 pods); ${sim.list('pods').length} pods and ${sim.list('events').length} Events in the store`,
);
console.log(
  JSON.stringify({
    bench: 'sim-scale',
    date: new Date().toISOString(),
    deployments: mine.length,
    pods,
    timeScale,
    boot: { ...boot, ...bootMemory },
    idleBootedCpuSecondsPerMinute: idleBooted,
    scale: { ...scale, cpuSecondsPer1000Pods: round(scale.cpuSeconds / (pods / 1000), 2), ...scaledMemory },
    idleScaledCpuSecondsPerMinute: idleScaled,
    restart: {
      ...restart,
      patchSeconds,
      cpuSecondsPer1000Pods: round(restart.cpuSeconds / (pods / 1000), 2),
      ...afterMemory,
    },
  }),
);
await sim.stop();
