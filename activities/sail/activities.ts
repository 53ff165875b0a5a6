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
