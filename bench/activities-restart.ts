/**
 * Benchmark for the restart-and-wait activities (not a test): how many API requests one
 * deployment restart costs, for rollouts from about a second to about ten, and how long after the
 * rollout finished in the simulator the wait returns. Two ways are measured: `rolloutWorkload`
 * (a canary's turn per deployment: PATCH, one watch from the PATCH's resourceVersion, then the
 * proxy check's pod list, counted apart), and the separate `restartWorkload` + `waitForRollout`
 * activities the gateway step uses (the wait has only a generation, so it reads before it
 * watches). Both run as a first attempt in an activity context, as a worker runs them.
 * Requests should stay a handful whatever the rollout length (a watch, not a poll); the delay
 * should be a few milliseconds.
 * `npm run bench:activities [-- --time-scale 20 --runs 3]`; `--quick` is one run of each.
 */
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { MockActivityEnvironment } from '@temporalio/testing';
import { startSim, type Sim } from '../sim/index.js';
import { createKubeClients } from '../activities/kubernetes/clients.js';
import { createKubernetesActivities } from '../activities/kubernetes/index.js';
import { createWorkloadActivities } from '../activities/workloads/rollout-workload.js';

const { values } = parseArgs({
  options: {
    'time-scale': { type: 'string', default: '20' },
    runs: { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
});
const timeScale = Number(values['time-scale']);
const runs = Number(values.runs ?? (values.quick ? 1 : 3));

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
        deployments: cases.map((c) => ({
          name: c.name,
          replicas: c.replicas,
          readySeconds: c.readySeconds,
          maxSurge: 1,
          maxUnavailable: 0,
        })),
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
const clients = createKubeClients(kubeConfig);
const k = createKubernetesActivities(clients);
const w = createWorkloadActivities(clients);

/** A first attempt, as a worker runs it (a retry reads before it writes). */
function firstAttempt<R>(fn: () => Promise<R>): Promise<R> {
  const env = new MockActivityEnvironment({
    attempt: 1,
    scheduledTimestampMs: Date.now(),
    currentAttemptScheduledTimestampMs: Date.now(),
  });
  return env.run<[], R, () => Promise<R>>(fn);
}

type Way = 'rolloutWorkload' | 'restart+wait activities';
interface Row {
  way: Way;
  name: string;
  replicas: number;
  rolloutMs: number;
  /** Requests on the deployment: the PATCH, reads, watches. */
  restartRequests: number;
  /** Requests on pods: the proxy check after the rollout. */
  proxyCheckRequests: number;
  watches: number;
  delayMs: number;
}
const rows: Row[] = [];
const lastSeq = () => sim.requests.at(-1)?.seq ?? 0;
const generationOf = (name: string) => sim.get('deployments', 'bench', name)?.metadata.generation ?? 0;

try {
  for (let run = 1; run <= runs; run++) {
    for (const way of ['rolloutWorkload', 'restart+wait activities'] as const) {
      for (const c of cases) {
        const s0 = lastSeq();
        const t0 = performance.now();
        // The rollout the restart starts reaches the next generation.
        const finish = finishedAt(c.name, generationOf(c.name) + 1);
        let watches: number;
        if (way === 'rolloutWorkload') {
          await firstAttempt(() =>
            w.rolloutWorkload({
              namespace: 'bench',
              name: c.name,
              restartedAt: `bench-run-${run}`,
              expectedVersion: '1.26.4',
              expectedRevision: null,
              test: null,
              testRunId: `bench-${run}`,
            }),
          );
          // rolloutWorkload does not report its watches: count them in the request log.
          watches = sim.requests.filter((r) => r.seq > s0 && r.verb === 'watch').length;
        } else {
          const restart = await firstAttempt(() =>
            k.restartWorkload({ namespace: 'bench', name: c.name, restartedAt: `bench-run-${run}-separate` }),
          );
          watches = (
            await firstAttempt(() =>
              k.waitForRollout({
                kind: 'Deployment',
                namespace: 'bench',
                name: c.name,
                minGeneration: restart.generation,
              }),
            )
          ).watches;
        }
        const returned = performance.now();
        // The wait may return before the 1 ms poll notices the finish; then the delay is under its resolution.
        const finished = Math.min(await finish.at, returned);
        finish.stop();
        const mine = sim.requests.filter((r) => r.seq > s0);
        rows.push({
          way,
          name: c.name,
          replicas: c.replicas,
          rolloutMs: finished - t0,
          restartRequests: mine.filter((r) => r.resource === 'deployments').length,
          proxyCheckRequests: mine.filter((r) => r.resource === 'pods').length,
          watches,
          delayMs: returned - finished,
        });
      }
    }
  }
} finally {
  await sim.stop();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
console.log(`restart-and-wait per deployment, time scale ${timeScale}, ${runs} runs each (median)`);
console.log(
  'way                      deployment        replicas  rollout(real)  requests: restart+wait (+ proxy check)  watches  return delay',
);
const summary = (['rolloutWorkload', 'restart+wait activities'] as const).flatMap((way) =>
  cases.map((c) => {
    const mine = rows.filter((r) => r.way === way && r.name === c.name);
    const line = {
      way,
      deployment: c.name,
      replicas: c.replicas,
      rolloutSeconds: median(mine.map((r) => r.rolloutMs)) / 1000,
      restartRequests: median(mine.map((r) => r.restartRequests)),
      proxyCheckRequests: median(mine.map((r) => r.proxyCheckRequests)),
      watches: median(mine.map((r) => r.watches)),
      delayMs: median(mine.map((r) => r.delayMs)),
      maxDelayMs: Math.max(...mine.map((r) => r.delayMs)),
    };
    console.log(
      `${way.padEnd(25)}${c.name.padEnd(18)}${String(c.replicas).padStart(8)}  ${`${line.rolloutSeconds.toFixed(2)} s`.padStart(13)}  ${`${line.restartRequests}${line.proxyCheckRequests > 0 ? ` (+ ${line.proxyCheckRequests})` : ''}`.padStart(38)}  ${String(line.watches).padStart(7)}  ${`${line.delayMs.toFixed(1)} ms (max ${line.maxDelayMs.toFixed(1)})`.padStart(12)}`,
    );
    return line;
  }),
);
console.log("rolloutWorkload's return delay includes its proxy check (the pod list) after the rollout.");
const canary = summary.filter((l) => l.way === 'rolloutWorkload');
const first = canary[0];
const last = canary.at(-1);
if (first !== undefined && last !== undefined) {
  console.log(
    `rolloutWorkload, longest/shortest rollout: ${(last.rolloutSeconds / first.rolloutSeconds).toFixed(1)}x the time, ${(last.restartRequests / first.restartRequests).toFixed(2)}x the requests`,
  );
}
console.log(
  JSON.stringify({ bench: 'activities-restart', date: new Date().toISOString(), timeScale, runs, rows: summary }),
);
