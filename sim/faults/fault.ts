/**
 * The faults a scenario or a test can inject. One schema serves the scenario file and the
 * runtime `sim.faults.add(...)`, so both speak the same language.
 */
import { z } from 'zod';

export const faultVerb = z.enum([
  'get',
  'list',
  'watch',
  'create',
  'update',
  'patch',
  'delete',
  'deletecollection',
  '*',
]);

/** `deployments`, `deployments/status`, or `*`. */
const resource = z.string().min(1).default('*');

export const faultSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('apiError'),
    code: z.union([z.literal(500), z.literal(503), z.literal(409), z.literal(429), z.literal(403)]),
    verb: faultVerb.default('*'),
    resource,
    namespace: z.string().optional(),
    name: z.string().optional(),
    /** Probability per matching request; absent means every matching request. */
    rate: z.number().min(0).max(1).optional(),
    /** Fail only the next N matching requests, then stop: deterministic for tests. */
    count: z.int().positive().optional(),
    message: z.string().optional(),
  }),
  z.strictObject({
    kind: z.literal('latency'),
    /** Real milliseconds added before the request is served. */
    ms: z.number().nonnegative(),
    verb: faultVerb.default('*'),
    resource,
  }),
  z.strictObject({
    kind: z.literal('dropWatch'),
    resource,
    /** Close the stream after this many events were sent. */
    afterEvents: z.int().positive().optional(),
    /** Close the stream after this many real seconds. */
    afterSeconds: z.number().positive().optional(),
    /** Drop only the next N watches, then stop. */
    count: z.int().positive().optional(),
  }),
  z.strictObject({
    /**
     * A write that lands but whose answer never arrives: the API server applies the request,
     * then closes the connection without responding, as a real one does for a client that died
     * after sending it. The client cannot tell whether its write happened.
     */
    kind: z.literal('dropResponse'),
    verb: z.enum(['create', 'update', 'patch', 'delete', 'deletecollection', '*']).default('*'),
    resource,
    namespace: z.string().optional(),
    name: z.string().optional(),
    /** Real milliseconds the connection stays open, unanswered, after the write was applied. */
    holdMs: z.number().nonnegative().default(0),
    /** Drop only the next N matching answers, then stop. */
    count: z.int().positive().optional(),
  }),
  z.strictObject({
    kind: z.literal('neverReady'),
    deployment: z.string().min(1),
    namespace: z.string().optional(),
    /** Pods are never ready once their proxy is at or above this version; absent means always. */
    minProxyVersion: z.string().optional(),
  }),
  z.strictObject({
    kind: z.literal('jobFails'),
    /** The deployment under test: a Job matches when its name contains it or a label value equals it. */
    deployment: z.string().min(1),
    namespace: z.string().optional(),
    /** Fail only while the deployment's pods run a proxy at or above this version. */
    minProxyVersion: z.string().optional(),
  }),
  z
    .strictObject({
      /**
       * Pods that never become ready, shown the way a real cluster shows why (pod status and a
       * Warning Event), so what reads the cluster can name the node, the pod and the reason:
       * - `ContainerCreating`: Pending, Warning `FailedCreatePodSandBox` (a broken CNI on the node);
       * - `ErrImagePull` / `ImagePullBackOff`: Pending, Warning `Failed` (`Failed to pull image …`);
       * - `CrashLoopBackOff`: Running, unready, restartCount growing, Warning `BackOff`;
       * - `Unschedulable`: Pending with no node, PodScheduled False, Warning `FailedScheduling`;
       * - `NodeNotReady`: the Node's Ready turns Unknown and every pod on it unready (Warning
       *   `NodeNotReady` from node-controller); needs `node`, selects nothing else.
       * It applies to matching pods started from now on (a rollout's new pods: with `onlyVersion`
       * the new ztunnel sticks while the old one keeps running); in a scenario's `faults:` it also
       * applies to the pods seeded at boot, so a component can be unready before anything starts.
       * NodeNotReady also takes running pods down. Clearing it lets stuck pods proceed.
       */
      kind: z.literal('podStuck'),
      /** Which pods: absent fields match any (no selector at all: every pod on `node`). */
      selector: z
        .strictObject({
          namespace: z.string().min(1).optional(),
          daemonSet: z.string().min(1).optional(),
          deployment: z.string().min(1).optional(),
        })
        .refine((s) => s.daemonSet === undefined || s.deployment === undefined, {
          message: 'name a daemonSet or a deployment, not both',
        })
        .default({}),
      /** Only pods on this node (a DaemonSet pod's node even while it is unscheduled); absent means any node. */
      node: z.string().min(1).optional(),
      reason: z.enum([
        'ContainerCreating',
        'ErrImagePull',
        'ImagePullBackOff',
        'CrashLoopBackOff',
        'Unschedulable',
        'NodeNotReady',
      ]),
      /** Only pods whose image (the proxy's, else the first container's) is this version. */
      onlyVersion: z.string().min(1).optional(),
      /** Only pods whose image is at or above this version. */
      minVersion: z.string().min(1).optional(),
      /** The Warning Event's message instead of the usual one for the reason. */
      message: z.string().min(1).optional(),
    })
    .refine((f) => f.reason !== 'NodeNotReady' || f.node !== undefined, {
      message: 'reason NodeNotReady needs the node',
      path: ['node'],
    }),
  z.strictObject({
    /**
     * The older spelling of `podStuck` with reason ContainerCreating on a node agent: its pods
     * started on `node` from now on stay ContainerCreating (Warning `FailedCreatePodSandBox`).
     */
    kind: z.literal('nodeNotReady'),
    node: z.string().min(1),
    component: z.enum(['ztunnel', 'istio-cni', 'all']).default('all'),
    /** Only pods whose image is at or above this version get stuck (the rollout's new pods); absent means any. */
    minVersion: z.string().optional(),
  }),
  z
    .strictObject({
      /**
       * A workload's golden signals degrade, as the mesh's telemetry reports them (sim/metrics/):
       * a share of its requests answered 503, added latency, or no traffic at all. With `when`,
       * only the traffic through a proxy of that version or revision degrades: a sidecar's own
       * proxy, for ambient L4 the ztunnel on the pod's node, for ambient L7 the waypoint. So a
       * rollout to a bad proxy shows up pod by pod.
       */
      kind: z.literal('signals'),
      namespace: z.string().min(1),
      /** The Deployment whose traffic degrades. */
      workload: z.string().min(1),
      when: z
        .strictObject({
          /** `1.27.3`, or `1.27` for any 1.27 patch. */
          proxyVersion: z
            .string()
            .regex(/^v?\d+\.\d+(\.\d+)?$/, 'a version like 1.27.3 or 1.27')
            .optional(),
          /** The revision the proxy comes from (`default` for the revision-less one). */
          revision: z.string().min(1).optional(),
        })
        .optional(),
      /** Share of requests answered 503 (for L4: connections that fail). */
      errorRatio: z.number().min(0).max(1).optional(),
      /** Milliseconds added to every request's duration. */
      addedLatencyMs: z.number().nonnegative().optional(),
      /** No requests or connections at all. */
      dropTraffic: z.boolean().optional(),
    })
    .refine((f) => f.errorRatio !== undefined || f.addedLatencyMs !== undefined || f.dropTraffic !== undefined, {
      message: 'a signals fault needs errorRatio, addedLatencyMs or dropTraffic',
      path: ['errorRatio'],
    }),
  z.strictObject({
    /**
     * The istiod of one revision (`default` for the revision-less one) is down: its pods turn
     * unready, so its injection webhook has no endpoints and pods it should inject are refused.
     */
    kind: z.literal('istiodUnavailable'),
    revision: z.string().min(1),
  }),
]);

export type FaultInput = z.input<typeof faultSchema>;
export type SignalsFault = Extract<Fault, { kind: 'signals' }>;
export type PodStuckReason = Extract<Fault, { kind: 'podStuck' }>['reason'];
export type Fault = z.output<typeof faultSchema>;
