/**
 * Benchmark for the restart-and-wait activities (not a test): how many API requests one
 * deployment restart costs, for rollouts from about a second to about ten, and how long after the
 * rollout finished in the simulator the wait returns. Requests should stay a handful whatever
 * the rollout length (a watch, not a poll); the delay should be a few milliseconds.
 * `npm run bench:activities [-- --time-scale 20 --runs 3]`
 */
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { startSim, type Sim } from '../sim/index.js';
import { createKubeClients } from '../activities/kubernetes/clients.js';
import { createKubernetesActivities } from '../activities/kubernetes/index.js';

const { values } = parseArgs({
  options: {
    'time-scale': { type: 'string', default: '20' },
    runs: { type: 'string', default: '3' },
  },
});
const timeScale = Number(values['time-scale']);
const runs = Number(values.runs);

/** From one pod ready in 2 sim-seconds to eight pods one at a time at 25 s each. */
const cases = [
  { name: 'one-pod-fast', replicas: 1, readySeconds: 2 },
  { name: 'four-pods', replicas: 4, readySeconds: 5 },
  { name: 'eight-pods', replicas: 8, readySeconds: 10 },
  { name: 'eight-pods-slow', replicas: 8, readySeconds: 25 },
];

const sim = await startSim({
  timeScale,
  scenario: {
    name: 'bench-activities',
    nodes: 3,
    istio: { installer: 'istioctl', version: '1.26.4' },
    namespaces: [
      {
        name: 'bench',
        labels: { 'istio-injection': 'enabled' },
        deployments: cases.map((c) => ({ name: c.name, replicas: c.replicas, readySeconds: c.readySeconds, maxSurge: 1, maxUnavailable: 0 })),
      },
    ],
  },
});

/** kubectl's rule, read straight from the simulator's store: no HTTP, so it does not count. */
function rolledOut(sim: Sim, name: string, generation: number): boolean {
  const d = sim.get('deployments', 'bench', name);
  const status = (d?.status ?? {}) as Record<string, number | undefined>;
  const want = (d?.spec as { replicas?: number } | undefined)?.replicas ?? 1;
  return (
    (d?.metadata.generation ?? 0) >= generation &&
    (status.observedGeneration ?? 0) >= generation &&
    status.updatedReplicas === want &&
    status.replicas === want &&
    status.availableReplicas === want
  );
}

/**
 * Resolves with the real time the rollout finished in the simulator, polled in-process every
 * millisecond: the delay figures are good to about a millisecond.
 */
function finishedAt(name: string, generation: number): { at: Promise<number>; stop: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const at = new Promise<number>((resolve) => {
    timer = setInterval(() => {
      if (rolledOut(sim, name, generation)) {
        clearInterval(timer);
        resolve(performance.now());
      }
    }, 1);
  });
  return { at, stop: () => clearInterval(timer) };
}

const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(sim.kubeconfigPath);
const k = createKubernetesActivities(createKubeClients(kubeConfig));

interface Row {
  name: string;
  replicas: number;
  rolloutMs: number;
  restartRequests: number;
  waitRequests: number;
  watches: number;
  delayMs: number;
}
const rows: Row[] = [];
const lastSeq = () => sim.requests.at(-1)?.seq ?? 0;

try {
  for (let run = 1; run <= runs; run++) {
    for (const c of cases) {
      const s0 = lastSeq();
      const t0 = performance.now();
      const restart = await k.restartWorkload({ namespace: 'bench', name: c.name, restartedAt: `bench-run-${run}` });
      const s1 = lastSeq();
      const finish = finishedAt(c.name, restart.generation);
      const result = await k.waitForRollout({ kind: 'Deployment', namespace: 'bench', name: c.name, minGeneration: restart.generation });
      const returned = performance.now();
      // The wait may return before the 1 ms poll notices the finish; then the delay is under its resolution.
      const finished = Math.min(await finish.at, returned);
      finish.stop();
      const s2 = lastSeq();
      rows.push({
        name: c.name,
        replicas: c.replicas,
        rolloutMs: finished - t0,
        restartRequests: sim.requests.filter((r) => r.seq > s0 && r.seq <= s1).length,
        waitRequests: sim.requests.filter((r) => r.seq > s1 && r.seq <= s2).length,
        watches: result.watches,
        delayMs: returned - finished,
      });
    }
  }
} finally {
  await sim.stop();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
console.log(`restart-and-wait per deployment, time scale ${timeScale}, ${runs} runs each (median)`);
console.log('deployment        replicas  rollout(real)  requests: restart + wait = total  watches  return delay');
const summary = cases.map((c) => {
  const mine = rows.filter((r) => r.name === c.name);
  const total = median(mine.map((r) => r.restartRequests + r.waitRequests));
  const line = {
    rollout: median(mine.map((r) => r.rolloutMs)),
    restart: median(mine.map((r) => r.restartRequests)),
    wait: median(mine.map((r) => r.waitRequests)),
    total,
    watches: median(mine.map((r) => r.watches)),
    delay: median(mine.map((r) => r.delayMs)),
    maxDelay: Math.max(...mine.map((r) => r.delayMs)),
  };
  console.log(
    `${c.name.padEnd(18)}${String(c.replicas).padStart(8)}  ${`${(line.rollout / 1000).toFixed(2)} s`.padStart(13)}  ${`${line.restart} + ${line.wait} = ${line.total}`.padStart(33)}  ${String(line.watches).padStart(7)}  ${`${line.delay.toFixed(1)} ms (max ${line.maxDelay.toFixed(1)})`.padStart(12)}`,
  );
  return line;
});
const first = summary[0];
const last = summary.at(-1);
if (first !== undefined && last !== undefined) {
  console.log(
    `longest/shortest rollout: ${(last.rollout / first.rollout).toFixed(1)}x the time, ${(last.total / first.total).toFixed(2)}x the requests`,
  );
}
