/**
 * Sail operator adapters: the operator does the upgrade, these only change the wanted version or
 * strategy and wait for its verdict. Patches carry fixed values and are skipped when already
 * applied, so retries are harmless.
 */
import { activityFailure } from '../failure.js';
import { call, read } from '../kubernetes/call.js';
import { mergePatch, type KubeClients } from '../kubernetes/clients.js';
import { watchUntil, type Evaluation, type WatchOptions } from '../kubernetes/watch-until.js';
import { condition, SAIL_GROUP, SAIL_PLURALS, SAIL_VERSION, type SailKind, type SailObject } from './resources.js';

export interface PatchSailInput {
  kind: 'Istio' | 'IstioCNI' | 'ZTunnel';
  /** `default` for all three in the usual install. */
  name?: string;
  version?: string;
  /** Istio only. */
  updateStrategy?: { type: 'InPlace' | 'RevisionBased'; inactiveRevisionDeletionGracePeriodSeconds?: number };
}

export interface PatchSailResult {
  changed: boolean;
  /** The generation the operator must observe; hand it to waitSailReady. */
  generation: number;
}

export interface WaitSailReadyInput extends WatchOptions {
  kind: SailKind;
  name?: string;
  minGeneration?: number;
}

export interface SailReadiness {
  ready: boolean;
  state: string;
  /** The conditions that are not True, as "Type: reason". */
  pending: string[];
}

export interface IstioRevisionSummary {
  name: string;
  version: string;
  /** A proxy, gateway or tag still points at it: it must not be removed. */
  inUse: boolean;
  ready: boolean;
}

export function sailReadiness(object: SailObject, minGeneration = 0): Evaluation<SailReadiness> {
  const generation = object.metadata?.generation ?? 0;
  const observed = object.status?.observedGeneration ?? 0;
  const state = object.status?.state ?? 'Unknown';
  const pending = (object.status?.conditions ?? [])
    .filter((c) => c.status !== 'True' && c.type !== 'InUse')
    .map((c) => `${c.type}: ${c.reason ?? c.status}`);
  const ready = condition(object, 'Ready')?.status === 'True';
  const progress = { ready, state, pending };
  if (generation < minGeneration || observed < generation) {
    return {
      state: 'progressing',
      message: `waiting for the operator to observe generation ${Math.max(generation, minGeneration)}`,
      progress,
    };
  }
  if (ready && pending.length === 0) return { state: 'done', message: `ready (${state})`, progress };
  return {
    state: 'progressing',
    message: pending.length === 0 ? `not ready (${state})` : pending.join(', '),
    progress,
  };
}

/** One look at a Sail resource, for a wait the workflow times itself (the stall rule and the deadline). */
export interface SailReading {
  state: 'done' | 'progressing' | 'failed';
  /** "ready (Healthy)", or the conditions that are not True: "Ready: IstiodNotReady". */
  message: string;
  /** Changes whenever the resource moves: generations, state, conditions. */
  fingerprint: string;
}

export function sailFingerprint(object: SailObject): string {
  const conditions = (object.status?.conditions ?? []).map((c) => `${c.type}=${c.status}/${c.reason ?? ''}`);
  return JSON.stringify([
    object.metadata?.generation ?? 0,
    object.status?.observedGeneration ?? 0,
    object.status?.state ?? '',
    ...conditions,
  ]);
}

/**
 * Where the hold records the grace period it replaced, on the `Istio` itself: the release (at
 * cleanup, or by a rollback, possibly another workflow) reads it there, and a retried hold finds
 * it and does not record the raised value as the original.
 */
export const HELD_GRACE_ANNOTATION = 'istio-upgrade.io/held-inactive-revision-grace-seconds';

export interface HoldRevisionsResult {
  changed: boolean;
  /** The grace period before the hold; null when the Istio did not set one (Sail's default, 30s). */
  original: number | null;
  held: number;
}

export interface ReleaseRevisionsResult {
  changed: boolean;
  /** The grace period put back; null when the Istio had none (Sail's default). */
  restored: number | null;
}

/** Only the fields that differ, so an applied patch is recognised and skipped. */
export function sailPatch(current: SailObject, input: PatchSailInput): Record<string, unknown> | undefined {
  const spec: Record<string, unknown> = {};
  if (input.version !== undefined && current.spec?.version !== input.version) spec.version = input.version;
  if (input.updateStrategy !== undefined) {
    const now = current.spec?.updateStrategy;
    const want = input.updateStrategy;
    const grace = want.inactiveRevisionDeletionGracePeriodSeconds;
    if (now?.type !== want.type || (grace !== undefined && now.inactiveRevisionDeletionGracePeriodSeconds !== grace)) {
      spec.updateStrategy = want;
    }
  }
  return Object.keys(spec).length === 0 ? undefined : { spec };
}

export function createSailActivities(clients: KubeClients) {
  const ref = (kind: SailKind, name: string) => ({
    group: SAIL_GROUP,
    version: SAIL_VERSION,
    plural: SAIL_PLURALS[kind],
    name,
  });
  const get = (kind: SailKind, name: string) =>
    read(
      `read ${kind} ${name}`,
      async () => (await clients.custom.getClusterCustomObject(ref(kind, name))) as SailObject,
    );

  return {
    patchSailResource: async (input: PatchSailInput): Promise<PatchSailResult> => {
      const name = input.name ?? 'default';
      if (input.updateStrategy !== undefined && input.kind !== 'Istio') {
        throw activityFailure('Validation', `${input.kind} has no update strategy: only Istio does`);
      }
      const current = await get(input.kind, name);
      const body = sailPatch(current, input);
      if (body === undefined) return { changed: false, generation: current.metadata?.generation ?? 0 };
      const updated = await call(
        `patch ${input.kind} ${name}`,
        async () =>
          (await clients.custom.patchClusterCustomObject({ ...ref(input.kind, name), body }, mergePatch)) as SailObject,
      );
      return { changed: true, generation: updated.metadata?.generation ?? 0 };
    },

    waitSailReady: async (input: WaitSailReadyInput): Promise<SailReadiness> => {
      const name = input.name ?? 'default';
      const outcome = await watchUntil<SailObject, SailReadiness>(
        clients,
        {
          listPath: `/apis/${SAIL_GROUP}/${SAIL_VERSION}/${SAIL_PLURALS[input.kind]}`,
          name,
          describe: `${input.kind} ${name}`,
          read: () => get(input.kind, name),
          evaluate: (object) => sailReadiness(object, input.minGeneration),
        },
        input,
      );
      return outcome.progress;
    },

    readSailProgress: async (input: {
      kind: SailKind;
      name?: string;
      minGeneration?: number;
    }): Promise<SailReading> => {
      const object = await get(input.kind, input.name ?? 'default');
      const verdict = sailReadiness(object, input.minGeneration);
      return { state: verdict.state, message: verdict.message, fingerprint: sailFingerprint(object) };
    },

    /**
     * Sail deletes a revision it considers unused after the Istio's grace period, and it does not
     * count ztunnel: a node still on the old ztunnel, or a rollback, would lose its control plane.
     * Raises the grace period for the upgrade and records the original in an annotation.
     */
    holdSailRevisions: async (input: { name: string; graceSeconds: number }): Promise<HoldRevisionsResult> => {
      const current = await get('Istio', input.name);
      const recorded = current.metadata?.annotations?.[HELD_GRACE_ANNOTATION];
      const now = current.spec?.updateStrategy?.inactiveRevisionDeletionGracePeriodSeconds ?? null;
      if (recorded !== undefined && now === input.graceSeconds)
        return { changed: false, original: recorded === '' ? null : Number(recorded), held: input.graceSeconds };
      const original = recorded !== undefined ? (recorded === '' ? null : Number(recorded)) : now;
      const body = {
        metadata: { annotations: { [HELD_GRACE_ANNOTATION]: original === null ? '' : String(original) } },
        spec: { updateStrategy: { inactiveRevisionDeletionGracePeriodSeconds: input.graceSeconds } },
      };
      await call(`hold revisions of Istio ${input.name}`, () =>
        clients.custom.patchClusterCustomObject({ ...ref('Istio', input.name), body }, mergePatch),
      );
      return { changed: true, original, held: input.graceSeconds };
    },

    /** Puts back the grace period the hold recorded, and removes the record; nothing to do without one. */
    releaseSailRevisions: async (input: { name: string }): Promise<ReleaseRevisionsResult> => {
      const current = await get('Istio', input.name);
      const recorded = current.metadata?.annotations?.[HELD_GRACE_ANNOTATION];
      if (recorded === undefined) return { changed: false, restored: null };
      const restored = recorded === '' ? null : Number(recorded);
      const body = {
        metadata: { annotations: { [HELD_GRACE_ANNOTATION]: null } },
        spec: { updateStrategy: { inactiveRevisionDeletionGracePeriodSeconds: restored } },
      };
      await call(`release revisions of Istio ${input.name}`, () =>
        clients.custom.patchClusterCustomObject({ ...ref('Istio', input.name), body }, mergePatch),
      );
      return { changed: true, restored };
    },

    listIstioRevisions: async (): Promise<IstioRevisionSummary[]> => {
      const list = await read(
        'list IstioRevisions',
        async () =>
          (await clients.custom.listClusterCustomObject({
            group: SAIL_GROUP,
            version: SAIL_VERSION,
            plural: SAIL_PLURALS.IstioRevision,
          })) as {
            items?: SailObject[];
          },
      );
      return (list.items ?? [])
        .map((r) => ({
          name: r.metadata?.name ?? '',
          version: r.spec?.version ?? '',
          inUse: condition(r, 'InUse')?.status === 'True',
          ready: condition(r, 'Ready')?.status === 'True',
        }))
        .sort((a, b) => a.name.localeCompare(b.name));
    },
  };
}
