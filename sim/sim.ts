/**
 * One simulated cluster: API server, store, controllers and clock, started from a scenario.
 * Tests and the demo reach it through `kubeconfigPath` like any cluster; the handles here
 * (logs, faults, `get`) are for assertions and fault injection only.
 */
import { rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { Admission } from './api/admission.js';
import { applyDefaults } from './api/defaults.js';
import type { RequestFilter, RequestLogEntry, WriteLogEntry } from './api/log.js';
import type { KubeObject } from './api/object.js';
import { findType, RESOURCE_TYPES, type ResourceType } from './api/resources.js';
import { ApiServer } from './api/server.js';
import { Store } from './api/store.js';
import { SimClock } from './clock.js';
import type { ControllerContext } from './controllers/context.js';
import { DaemonSetController } from './controllers/daemonset.js';
import { DeploymentController } from './controllers/deployment.js';
import { JobController } from './controllers/job.js';
import { ControllerManager } from './controllers/manager.js';
import { NodeLifecycleController } from './controllers/node-lifecycle.js';
import { PodLifecycleController } from './controllers/pod-lifecycle.js';
import { SailController } from './controllers/sail.js';
import { TerminationController, terminatePod } from './controllers/termination.js';
import { WaypointController } from './controllers/waypoint.js';
import type { Fault, FaultInput } from './faults/fault.js';
import { FaultSet } from './faults/fault-set.js';
import { CONTENT_TYPE as METRICS_CONTENT_TYPE } from './metrics/exposition.js';
import { MeshTelemetry } from './metrics/telemetry.js';
import { sidecarInjector } from './istio/injection.js';
import { kubeconfigYaml, makeTempDir, writeKubeconfig } from './kubeconfig.js';
import { loadScenario } from './scenario/load.js';
import type { Scenario, ScenarioInput } from './scenario/schema.js';
import { seedScenario } from './scenario/seed.js';

export interface StartSimOptions {
  /** A path to a scenario YAML file, or the scenario itself. */
  scenario: string | ScenarioInput | Scenario;
  /** 0 (the default) picks a free loopback port. */
  port?: number;
  /** Sim-seconds per real second: 60 makes a minute pass in a second. Default 1. */
  timeScale?: number;
  /** Watch history kept for resuming; older resourceVersions get 410 Gone. */
  watchHistory?: number;
}

export interface Sim {
  /** Plain HTTP on loopback; the same port also speaks HTTPS (see `httpsUrl`). */
  readonly url: string;
  readonly httpsUrl: string;
  /**
   * The mesh's Istio metrics (every proxy's, synthetic traffic; see sim/metrics/) in Prometheus'
   * text format, unauthenticated: `http://127.0.0.1:<port>/metrics`, a scrape target.
   */
  readonly metricsUrl: string;
  /** Kubeconfig (context `sim`, bearer-token admin user, HTTPS with the sim's CA). */
  readonly kubeconfigPath: string;
  /** The admin bearer token, for raw HTTP clients such as fetch. */
  readonly token: string;
  readonly scenario: Scenario;
  readonly clock: SimClock;
  /** Every successful mutating request from a client over HTTP; controllers' writes are not in it. */
  readonly writeLog: readonly WriteLogEntry[];
  /** Every HTTP request, reads and watches included. */
  readonly requests: readonly RequestLogEntry[];
  requestCount(filter?: RequestFilter | ((e: RequestLogEntry) => boolean)): number;
  readonly faults: { add(fault: FaultInput): void; clear(): void; list(): readonly Fault[] };
  /** Reads the store directly, for assertions: `get('deployments', 'bookinfo', 'reviews-v2')`. */
  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined;
  list(resource: string, namespace?: string): KubeObject[];
  /** A kubeconfig for a ServiceAccount, to exercise RBAC when the scenario enables it. */
  kubeconfigFor(serviceAccount: { namespace: string; name: string }): string;
  /** Resolves once every Deployment and DaemonSet has finished rolling out. */
  settled(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

function resourceType(resource: string): ResourceType {
  const [plural = '', group = ''] = resource.includes('.')
    ? [resource.slice(0, resource.indexOf('.')), resource.slice(resource.indexOf('.') + 1)]
    : [resource, ''];
  const t = findType(group, plural) ?? RESOURCE_TYPES.find((x) => x.plural === plural);
  if (!t) throw new Error(`sim: unknown resource ${resource}`);
  return t;
}

function rolledOut(o: KubeObject): boolean {
  const st = (o.status ?? {}) as Record<string, number | undefined>;
  const gen = o.metadata.generation ?? 0;
  if ((st.observedGeneration ?? 0) < gen) return false;
  if (o.kind === 'DaemonSet')
    return st.updatedNumberScheduled === st.desiredNumberScheduled && st.numberAvailable === st.desiredNumberScheduled;
  const want = (o.spec as { replicas?: number } | undefined)?.replicas ?? 1;
  return (st.updatedReplicas ?? 0) === want && (st.replicas ?? 0) === want && (st.availableReplicas ?? 0) === want;
}

export async function startSim(options: StartSimOptions): Promise<Sim> {
  const scenario = loadScenario(options.scenario);
  const clock = new SimClock(options.timeScale ?? 1);
  const store = new Store(clock, options.watchHistory);
  const faults = new FaultSet();
  // Webhooks are called once the scenario has booted: istiod and the pods it injects start together.
  const admissions: Admission[] = [applyDefaults, sidecarInjector(store, () => !ctx.booting)];
  const manager = new ControllerManager(store, clock);
  const ctx: ControllerContext = { store, clock, faults, manager, admissions, timing: scenario.timing, booting: true };
  const podLifecycle = new PodLifecycleController(ctx);
  manager.register(
    podLifecycle,
    new NodeLifecycleController(ctx),
    new DeploymentController(ctx),
    new DaemonSetController(ctx),
    new JobController(ctx),
    new SailController(ctx),
    new WaypointController(ctx),
    new TerminationController(ctx),
  );

  seedScenario(ctx, scenario);
  store.requireNamespaces = true;
  manager.start();

  const telemetry = new MeshTelemetry(store, clock, faults);
  const server = new ApiServer({
    store,
    clock,
    faults,
    admissions,
    rbac: scenario.rbac.enabled,
    deletePod: (pod, grace) => terminatePod(ctx, pod, grace),
    scrapeMetrics: () => ({ contentType: METRICS_CONTENT_TYPE, body: telemetry.scrape() }),
  });
  const token = randomBytes(24).toString('hex');
  server.addToken(token, { name: 'sim-admin', groups: ['system:masters', 'system:authenticated'] });
  await server.listen(options.port ?? 0);
  const dir = makeTempDir();
  const kubeconfigPath = writeKubeconfig(
    dir,
    'kubeconfig',
    kubeconfigYaml(server.httpsUrl, server.caPem, 'sim-admin', token),
  );

  const settled = async (timeoutMs = 10_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const workloads = [...store.list(resourceType('deployments')), ...store.list(resourceType('daemonsets'))];
      if (manager.idle && workloads.every(rolledOut)) return;
      if (Date.now() > deadline) {
        const pending = workloads
          .filter((w) => !rolledOut(w))
          .map((w) => `${w.kind} ${w.metadata.namespace ?? ''}/${w.metadata.name}`);
        throw new Error(`sim: not settled after ${timeoutMs} ms: ${pending.slice(0, 10).join(', ')}`);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  };

  // The cluster starts as if it had been running: every pod ready, every rollout done. Faults
  // are switched on afterwards, so a scenario's never-ready pods are those started from now on.
  await settled(30_000);
  ctx.booting = false;
  for (const f of scenario.faults) faults.add(f);
  // A fault may change pods that are already running (istiod going down): look at them again now.
  manager.resync();
  // A component the scenario says is stuck starts stuck: reads right after boot see it unready.
  podLifecycle.applyScenarioFaults();
  for (const deadline = Date.now() + 2_000; !manager.idle && Date.now() < deadline;)
    await new Promise((r) => setTimeout(r, 5));

  let stopped = false;
  return {
    url: server.url,
    httpsUrl: server.httpsUrl,
    metricsUrl: `${server.url}/metrics`,
    kubeconfigPath,
    token,
    scenario,
    clock,
    writeLog: server.writeLog,
    requests: server.requests,
    requestCount: (filter) => server.requestCount(filter),
    faults: {
      add: (f) => {
        faults.add(f);
        telemetry.invalidate();
        manager.resync();
      },
      clear: () => {
        faults.clear();
        telemetry.invalidate();
        manager.resync();
      },
      list: () => faults.list(),
    },
    get: (resource, namespace, name) => store.get(resourceType(resource), namespace, name),
    list: (resource, namespace) => store.list(resourceType(resource), namespace),
    kubeconfigFor: ({ namespace, name }) => {
      const saToken = randomBytes(24).toString('hex');
      const user = `system:serviceaccount:${namespace}:${name}`;
      server.addToken(saToken, {
        name: user,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
      });
      return writeKubeconfig(
        dir,
        `kubeconfig-${namespace}-${name}`,
        kubeconfigYaml(server.httpsUrl, server.caPem, name, saToken, namespace),
      );
    },
    settled,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      manager.stop();
      telemetry.stop();
      clock.stop();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
