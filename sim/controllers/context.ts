/**
 * What every controller is given: the store it acts on, the clock, the faults in force, and the
 * admission chain (so pods they create are injected exactly like pods clients create).
 */
import type { Admission } from '../api/admission.js';
import type { KubeObject } from '../api/object.js';
import type { ResourceType } from '../api/resources.js';
import type { Store } from '../api/store.js';
import type { SimClock } from '../clock.js';
import type { FaultSet } from '../faults/fault-set.js';
import type { ControllerManager } from './manager.js';

export interface Timing {
  /** Sim-seconds from pod creation to Ready when the pod does not say otherwise. */
  podReadySeconds: number;
  /** Sim-seconds a Job's pod runs. */
  jobRunSeconds: number;
}

export interface ControllerContext {
  store: Store;
  clock: SimClock;
  faults: FaultSet;
  manager: ControllerManager;
  admissions: Admission[];
  timing: Timing;
  /** While the scenario loads, pods are ready at once so the cluster starts settled. */
  booting: boolean;
}

/** Creates an object as a controller would: through admission, straight into the store. */
export function createAdmitted(ctx: ControllerContext, t: ResourceType, obj: KubeObject): KubeObject {
  for (const admit of ctx.admissions) admit(t, obj, 'create');
  return ctx.store.create(t, obj);
}

/** Annotations through which a scenario (or a test's manifest) sets pod timing. */
export const READY_SECONDS_ANNOTATION = 'sim.istio-upgrade.io/ready-seconds';
export const RUN_SECONDS_ANNOTATION = 'sim.istio-upgrade.io/run-seconds';
