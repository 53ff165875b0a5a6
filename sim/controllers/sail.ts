/**
 * A Sail operator (sailoperator.io/v1), one reconciler per kind like the real one:
 * - Istio → IstioRevision: InPlace keeps one revision named after the Istio and updates its
 *   version; RevisionBased creates `<name>-v1-26-4` per version and deletes an old revision once
 *   it has not been InUse for `inactiveRevisionDeletionGracePeriodSeconds` (default 30).
 * - IstioRevision → istiod, injector webhook and mesh ConfigMap; InUse when a namespace or pod
 *   references it (directly or through a tag) or an injected pod records it.
 * - IstioRevisionTag → the tag webhook. IstioCNI and ZTunnel → their DaemonSets.
 * Status conditions (Reconciled, Ready, InUse) and `state` follow the real operator's.
 */
import type { KubeObject } from '../api/object.js';
import { T } from '../api/resources.js';
import type { StoreEvent } from '../api/store.js';
import { injectedRevision } from '../istio/injection.js';
import { controlPlaneObjects, istiodName, nodeAgentDaemonSet, tagWebhook, type NodeAgent } from '../istio/manifests.js';
import { bareVersion, dashed } from '../istio/version.js';
import { applyObject } from './apply.js';
import type { ControllerContext } from './context.js';
import type { Controller } from './manager.js';
import { asPod, findCondition, ownerRef, setCondition, type Condition } from './shapes.js';

interface SailSpec {
  version?: string;
  namespace?: string;
  profile?: string;
  values?: { meshConfig?: Record<string, unknown>; compatibilityVersion?: string; revision?: string };
  updateStrategy?: { type?: string; inactiveRevisionDeletionGracePeriodSeconds?: number };
  targetRef?: { kind?: string; name?: string };
}

const spec = (o: KubeObject): SailSpec => o.spec ?? {};
const conditionsOf = (o: KubeObject): Condition[] | undefined =>
  (o.status as { conditions?: Condition[] } | undefined)?.conditions;

function cond(type: string, ok: boolean, reason: string, message = ''): Condition {
  return { type, status: ok ? 'True' : 'False', reason, message };
}

export class SailController implements Controller {
  readonly name = 'sail';
  /** When each revision was first seen not in use: the grace period counts from there. */
  private readonly unusedSince = new Map<string, number>();

  constructor(private readonly ctx: ControllerContext) {}

  keysFor(e: StoreEvent): string[] {
    const t = e.resourceType;
    if (
      t === T.istios ||
      t === T.istiorevisions ||
      t === T.istiorevisiontags ||
      t === T.istiocnis ||
      t === T.ztunnels
    ) {
      return [...this.allKeys()];
    }
    // Workload and namespace changes can flip InUse; istiod and DaemonSet changes flip Ready.
    if (t === T.namespaces || t === T.deployments || t === T.daemonsets || (t === T.pods && e.type !== 'MODIFIED'))
      return this.allKeys();
    // A relabelled pod can move a revision in or out of use; other pod updates cannot.
    if (t === T.pods && e.previous?.metadata.labels?.['istio.io/rev'] !== e.object.metadata.labels?.['istio.io/rev'])
      return this.allKeys();
    return [];
  }

  allKeys(): string[] {
    const { store } = this.ctx;
    if (
      store.list(T.istios).length +
        store.list(T.istiorevisions).length +
        store.list(T.istiocnis).length +
        store.list(T.ztunnels).length ===
      0
    )
      return [];
    return ['all'];
  }

  reconcile(): void {
    for (const istio of this.ctx.store.list(T.istios)) this.reconcileIstio(istio);
    for (const tag of this.ctx.store.list(T.istiorevisiontags)) this.reconcileTag(tag);
    for (const rev of this.ctx.store.list(T.istiorevisions)) this.reconcileRevision(rev);
    for (const istio of this.ctx.store.list(T.istios)) this.pruneAndReport(istio);
    for (const cni of this.ctx.store.list(T.istiocnis)) this.reconcileAgent(cni, 'istio-cni', 'istio-cni');
    for (const zt of this.ctx.store.list(T.ztunnels)) this.reconcileAgent(zt, 'ztunnel', 'ztunnel');
  }

  private writeStatus(o: KubeObject, status: Record<string, unknown>): void {
    const t =
      o.kind === 'Istio'
        ? T.istios
        : o.kind === 'IstioRevision'
          ? T.istiorevisions
          : o.kind === 'IstioRevisionTag'
            ? T.istiorevisiontags
            : o.kind === 'IstioCNI'
              ? T.istiocnis
              : T.ztunnels;
    const now = this.ctx.clock.iso();
    let conditions = conditionsOf(o);
    for (const c of (status.conditions as Condition[] | undefined) ?? []) conditions = setCondition(conditions, c, now);
    const next = { ...status, observedGeneration: o.metadata.generation, conditions };
    if (JSON.stringify(next) === JSON.stringify(o.status)) return;
    this.ctx.store.update(t, { ...o, status: next }, { subresource: 'status' });
  }

  private revisionName(istio: KubeObject): string {
    const s = spec(istio);
    if (s.updateStrategy?.type === 'RevisionBased') return `${istio.metadata.name}-v${dashed(s.version ?? '')}`;
    return istio.metadata.name;
  }

  private reconcileIstio(istio: KubeObject): void {
    const s = spec(istio);
    const name = this.revisionName(istio);
    const current = this.ctx.store.get(T.istiorevisions, undefined, name);
    const desired: KubeObject = {
      apiVersion: 'sailoperator.io/v1',
      kind: 'IstioRevision',
      metadata: { name, labels: { 'sailoperator.io/istio': istio.metadata.name }, ownerReferences: [ownerRef(istio)] },
      spec: {
        version: s.version,
        namespace: s.namespace ?? 'istio-system',
        ...(s.profile ? { profile: s.profile } : {}),
        values: { ...s.values, revision: name === 'default' ? '' : name },
      },
    };
    if (!current || JSON.stringify(current.spec) !== JSON.stringify(desired.spec)) applyObject(this.ctx, desired);
  }

  private revisionInUse(rev: string): boolean {
    const { store } = this.ctx;
    const tagsToRev = store
      .list(T.istiorevisiontags)
      .filter((t) => (t.status as { istioRevision?: string } | undefined)?.istioRevision === rev)
      .map((t) => t.metadata.name);
    const names = new Set([rev, ...tagsToRev]);
    const refers = (labels: Record<string, string> | undefined): boolean =>
      names.has(labels?.['istio.io/rev'] ?? '') || (names.has('default') && labels?.['istio-injection'] === 'enabled');
    if (store.list(T.namespaces).some((n) => refers(n.metadata.labels))) return true;
    // istiod's own pods carry the revision label too, but do not keep their revision in use.
    return store
      .list(T.pods)
      .some(
        (p) =>
          p.metadata.labels?.app !== 'istiod' &&
          (names.has(injectedRevision(asPod(p)) ?? '') || names.has(p.metadata.labels?.['istio.io/rev'] ?? '\0')),
      );
  }

  private reconcileRevision(rev: KubeObject): void {
    const s = spec(rev);
    const name = rev.metadata.name;
    const ambient = s.profile === 'ambient';
    for (const o of controlPlaneObjects({
      revision: name,
      version: bareVersion(s.version ?? ''),
      namespace: s.namespace ?? 'istio-system',
      installer: 'sail',
      meshConfig: s.values?.meshConfig,
      compatibilityVersion: s.values?.compatibilityVersion,
      ambient,
      owner: ownerRef(rev),
    })) {
      applyObject(this.ctx, o);
    }
    const istiod = this.ctx.store.get(T.deployments, s.namespace ?? 'istio-system', istiodName(name));
    const available =
      findCondition((istiod?.status as { conditions?: Condition[] } | undefined)?.conditions, 'Available')?.status ===
      'True';
    const inUse = this.revisionInUse(name);
    this.writeStatus(rev, {
      state: available ? 'Healthy' : 'NotReady',
      conditions: [
        cond('Reconciled', true, 'Reconciled'),
        cond(
          'Ready',
          available,
          available ? 'Ready' : 'IstiodNotReady',
          available ? '' : 'istiod Deployment is not ready',
        ),
        cond(
          'InUse',
          inUse,
          inUse ? 'ReferencedByWorkloads' : 'NotReferenced',
          inUse ? '' : 'Not referenced by any pod or namespace',
        ),
      ],
    });
  }

  private pruneAndReport(istio: KubeObject): void {
    const { store, clock } = this.ctx;
    const s = spec(istio);
    const active = this.revisionName(istio);
    const grace = s.updateStrategy?.inactiveRevisionDeletionGracePeriodSeconds ?? 30;
    const owned = store
      .list(T.istiorevisions)
      .filter((r) => r.metadata.ownerReferences?.some((o) => o.uid === istio.metadata.uid));
    for (const r of owned) {
      if (r.metadata.name === active) continue;
      const inUse = findCondition(conditionsOf(r), 'InUse')?.status === 'True';
      if (inUse) {
        this.unusedSince.delete(r.metadata.name);
        continue;
      }
      const since = this.unusedSince.get(r.metadata.name) ?? clock.now();
      this.unusedSince.set(r.metadata.name, since);
      const waited = (clock.now() - since) / 1000;
      if (waited >= grace) {
        store.delete(T.istiorevisions, undefined, r.metadata.name);
        this.unusedSince.delete(r.metadata.name);
      } else {
        this.ctx.manager.enqueueAfter(this, 'all', grace - waited + 0.1);
      }
    }
    const remaining = store
      .list(T.istiorevisions)
      .filter((r) => r.metadata.ownerReferences?.some((o) => o.uid === istio.metadata.uid));
    const isTrue = (r: KubeObject, type: string): boolean => findCondition(conditionsOf(r), type)?.status === 'True';
    const activeRev = remaining.find((r) => r.metadata.name === active);
    const ready = activeRev !== undefined && isTrue(activeRev, 'Ready');
    this.writeStatus(istio, {
      activeRevisionName: active,
      revisions: {
        total: remaining.length,
        ready: remaining.filter((r) => isTrue(r, 'Ready')).length,
        inUse: remaining.filter((r) => isTrue(r, 'InUse')).length,
      },
      state: ready ? 'Healthy' : 'NotReady',
      conditions: [
        cond('Reconciled', true, 'Reconciled'),
        cond('Ready', ready, ready ? 'Ready' : 'IstiodNotReady', ready ? '' : 'active revision is not ready'),
      ],
    });
  }

  private reconcileTag(tag: KubeObject): void {
    const { store } = this.ctx;
    const ref = spec(tag).targetRef ?? {};
    const revName =
      ref.kind === 'Istio'
        ? (store.get(T.istios, undefined, ref.name ?? '')?.status as { activeRevisionName?: string } | undefined)
            ?.activeRevisionName
        : ref.name;
    const rev = revName ? store.get(T.istiorevisions, undefined, revName) : undefined;
    if (!rev || !revName) {
      this.writeStatus(tag, {
        state: 'NotReady',
        conditions: [
          cond('Reconciled', false, 'RefNotFound', `target ${ref.kind ?? ''}/${ref.name ?? ''} not found`),
          cond('Ready', false, 'RefNotFound'),
        ],
      });
      return;
    }
    const s = spec(rev);
    applyObject(
      this.ctx,
      tagWebhook(tag.metadata.name, {
        revision: revName,
        version: bareVersion(s.version ?? ''),
        namespace: s.namespace ?? 'istio-system',
        installer: 'sail',
        owner: ownerRef(tag),
      }),
    );
    const inUse = this.revisionInUse(tag.metadata.name);
    this.writeStatus(tag, {
      istioRevision: revName,
      istiodNamespace: s.namespace ?? 'istio-system',
      state: 'Healthy',
      conditions: [
        cond('Reconciled', true, 'Reconciled'),
        cond('Ready', true, 'Ready'),
        cond('InUse', inUse, inUse ? 'ReferencedByWorkloads' : 'NotReferenced'),
      ],
    });
  }

  private reconcileAgent(o: KubeObject, agent: NodeAgent, defaultNs: string): void {
    const s = spec(o);
    const ns = s.namespace ?? defaultNs;
    if (!this.ctx.store.get(T.namespaces, undefined, ns)) {
      this.writeStatus(o, {
        state: 'ReconcileError',
        conditions: [
          cond('Reconciled', false, 'ReconcileError', `namespace "${ns}" not found`),
          cond('Ready', false, 'ReconcileError'),
        ],
      });
      return;
    }
    const ds = applyObject(this.ctx, nodeAgentDaemonSet(agent, ns, bareVersion(s.version ?? ''), 'sail', ownerRef(o)));
    const st = (ds.status ?? {}) as Record<string, number | undefined>;
    const desired = st.desiredNumberScheduled ?? -1;
    const ready =
      ds.metadata.generation === (st.observedGeneration ?? 0) &&
      st.updatedNumberScheduled === desired &&
      st.numberAvailable === desired;
    this.writeStatus(o, {
      state: ready ? 'Healthy' : 'NotReady',
      conditions: [
        cond('Reconciled', true, 'Reconciled'),
        cond(
          'Ready',
          ready,
          ready ? 'Ready' : 'DaemonSetNotReady',
          ready ? '' : `not all ${agent} pods are ready and updated`,
        ),
      ],
    });
  }
}
