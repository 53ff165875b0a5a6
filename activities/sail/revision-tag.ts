/**
 * Sail's `IstioRevisionTag`: where a tag points. A tag whose `targetRef` is the `Istio` resource
 * follows its active revision by itself, which is what an upgrade wants; pointing it at an
 * `IstioRevision` pins it (what a rollback restores when it was pinned before).
 */
import { call, read } from '../kubernetes/call.js';
import { mergePatch, type KubeClients } from '../kubernetes/clients.js';
import { SAIL_GROUP, SAIL_VERSION } from './resources.js';

export interface SailTagTarget {
  kind: 'Istio' | 'IstioRevision';
  name: string;
}

interface RevisionTagObject {
  metadata?: { name?: string };
  spec?: { targetRef?: SailTagTarget };
}

export function createSailTagActivities(clients: KubeClients) {
  const ref = (name: string) => ({ group: SAIL_GROUP, version: SAIL_VERSION, plural: 'istiorevisiontags', name });
  return {
    setSailRevisionTag: async (input: { name: string; targetRef: SailTagTarget }): Promise<{ changed: boolean }> => {
      const current = (await read(`read IstioRevisionTag ${input.name}`, () =>
        clients.custom.getClusterCustomObject(ref(input.name)),
      )) as RevisionTagObject;
      const now = current.spec?.targetRef;
      if (now?.kind === input.targetRef.kind && now.name === input.targetRef.name) return { changed: false };
      const body = { spec: { targetRef: input.targetRef } };
      await call(`patch IstioRevisionTag ${input.name}`, () =>
        clients.custom.patchClusterCustomObject({ ...ref(input.name), body }, mergePatch),
      );
      return { changed: true };
    },
  };
}
