/**
 * Admission: what runs between a client's write and the store. Defaulting and Istio's sidecar
 * injection webhook are admission plugins here, as they are in a real cluster, so a pod created
 * by a client gets the same treatment as one created by the deployment controller.
 */
import type { KubeObject } from './object.js';
import type { ResourceType } from './resources.js';

export type AdmissionOperation = 'create' | 'update';

/** Mutates `obj` in place, or throws an ApiError to reject the write. */
export type Admission = (t: ResourceType, obj: KubeObject, op: AdmissionOperation) => void;
