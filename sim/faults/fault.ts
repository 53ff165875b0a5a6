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
  z.strictObject({
    /**
     * A node agent (ztunnel, istio-cni) stuck on one node: its pods started there from now on stay
     * ContainerCreating and never become ready, so the DaemonSet's rollout never completes.
     */
    kind: z.literal('nodeNotReady'),
    node: z.string().min(1),
    component: z.enum(['ztunnel', 'istio-cni', 'all']).default('all'),
    /** Only pods whose image is at or above this version get stuck (the rollout's new pods); absent means any. */
    minVersion: z.string().optional(),
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
export type Fault = z.output<typeof faultSchema>;
