/**
 * Turns a scenario into objects in the store: nodes, namespaces, the Istio installation the
 * scenario's installer would have left behind, the applications, and extra manifests. Controllers
 * then do the rest (pods, injection, Sail reconcile), exactly as after a real install.
 */
import { asKubeObject, type KubeObject } from '../api/object.js';
import { T, typeOfObject } from '../api/resources.js';
import { applyObject } from '../controllers/apply.js';
import { READY_SECONDS_ANNOTATION, createAdmitted, type ControllerContext } from '../controllers/context.js';
import { releaseSecret } from '../istio/helm-release.js';
import {
  controlPlaneObjects,
  gatewayObjects,
  nodeAgentDaemonSet,
  tagWebhook,
  type RevisionInstall,
} from '../istio/manifests.js';
import { bareVersion } from '../istio/version.js';
import type { Scenario } from './schema.js';

function namespaceObject(name: string, labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

function ensureNamespace(ctx: ControllerContext, name: string, labels?: Record<string, string>): void {
  const existing = ctx.store.get(T.namespaces, undefined, name);
  if (!existing) createAdmitted(ctx, T.namespaces, namespaceObject(name, labels));
  else if (labels) applyObject(ctx, namespaceObject(name, { ...existing.metadata.labels, ...labels }));
}

function seedNodes(ctx: ControllerContext, scenario: Scenario): void {
  const nodes =
    typeof scenario.nodes === 'number'
      ? Array.from({ length: scenario.nodes }, (_, i) => ({ name: `node-${i + 1}`, labels: {} }))
      : scenario.nodes;
  nodes.forEach((n, i) => {
    createAdmitted(ctx, T.nodes, {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: n.name,
        labels: { 'kubernetes.io/hostname': n.name, 'kubernetes.io/os': 'linux', ...n.labels },
      },
      spec: {},
      status: {
        conditions: [
          { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
        ],
        addresses: [
          { type: 'InternalIP', address: `172.18.0.${i + 2}` },
          { type: 'Hostname', address: n.name },
        ],
        nodeInfo: {
          kubeletVersion: 'v1.33.1',
          containerRuntimeVersion: 'containerd://2.1.1',
          osImage: 'sim',
          architecture: 'amd64',
          operatingSystem: 'linux',
        },
      },
    });
  });
}

function seedIstio(ctx: ControllerContext, scenario: Scenario): void {
  const istio = scenario.istio;
  if (!istio) return;
  const ambient = istio.mode === 'ambient';
  ensureNamespace(ctx, istio.namespace);
  if (istio.installer === 'sail') {
    const sail = istio.sail ?? {
      updateStrategy: 'InPlace' as const,
      cniNamespace: 'istio-cni',
      ztunnelNamespace: 'ztunnel',
    };
    ensureNamespace(ctx, 'sail-operator');
    const version = `v${bareVersion(istio.version)}`;
    const values: Record<string, unknown> = {
      ...(istio.meshConfig ? { meshConfig: istio.meshConfig } : {}),
      ...(istio.compatibilityVersion ? { compatibilityVersion: istio.compatibilityVersion } : {}),
    };
    createAdmitted(ctx, T.istios, {
      apiVersion: 'sailoperator.io/v1',
      kind: 'Istio',
      metadata: { name: 'default' },
      spec: {
        version,
        namespace: istio.namespace,
        ...(ambient ? { profile: 'ambient' } : {}),
        updateStrategy: {
          type: sail.updateStrategy,
          ...(sail.inactiveRevisionDeletionGracePeriodSeconds !== undefined
            ? { inactiveRevisionDeletionGracePeriodSeconds: sail.inactiveRevisionDeletionGracePeriodSeconds }
            : {}),
        },
        ...(Object.keys(values).length ? { values } : {}),
      },
    });
    if (ambient) {
      ensureNamespace(ctx, sail.cniNamespace);
      ensureNamespace(ctx, sail.ztunnelNamespace);
      createAdmitted(ctx, T.istiocnis, {
        apiVersion: 'sailoperator.io/v1',
        kind: 'IstioCNI',
        metadata: { name: 'default' },
        spec: { version, namespace: sail.cniNamespace, profile: 'ambient' },
      });
      createAdmitted(ctx, T.ztunnels, {
        apiVersion: 'sailoperator.io/v1',
        kind: 'ZTunnel',
        metadata: { name: 'default' },
        spec: { version, namespace: sail.ztunnelNamespace },
      });
    }
    for (const tag of istio.tags) {
      createAdmitted(ctx, T.istiorevisiontags, {
        apiVersion: 'sailoperator.io/v1',
        kind: 'IstioRevisionTag',
        metadata: { name: tag.name },
        spec: { targetRef: { kind: tag.revision === 'default' ? 'Istio' : 'IstioRevision', name: tag.revision } },
      });
    }
    for (const g of istio.gateways) {
      ensureNamespace(ctx, g.namespace);
      for (const o of gatewayObjects({
        ...g,
        revision: g.revision ?? 'default',
        installer: 'sail',
      }))
        applyObject(ctx, o);
    }
    return;
  }
  const base: Omit<RevisionInstall, 'revision' | 'version'> = {
    namespace: istio.namespace,
    installer: istio.installer,
    compatibilityVersion: istio.compatibilityVersion,
    meshConfig: istio.meshConfig,
    ambient,
  };
  const revs = [{ name: istio.defaultRevision, version: istio.version }, ...istio.revisions];
  for (const r of revs)
    for (const o of controlPlaneObjects({ ...base, revision: r.name, version: r.version })) applyObject(ctx, o);
  for (const tag of istio.tags) {
    const target = revs.find((r) => r.name === tag.revision);
    applyObject(
      ctx,
      tagWebhook(tag.name, { ...base, revision: tag.revision, version: target?.version ?? istio.version }),
    );
  }
  for (const g of istio.gateways) {
    ensureNamespace(ctx, g.namespace);
    for (const o of gatewayObjects({
      ...g,
      revision: g.revision ?? istio.defaultRevision,
      installer: istio.installer,
      ...(istio.installer === 'istioctl' && { stampedVersion: istio.version }),
    }))
      applyObject(ctx, o);
  }
  if (ambient) {
    applyObject(ctx, nodeAgentDaemonSet('istio-cni', istio.namespace, istio.version, istio.installer));
    applyObject(ctx, nodeAgentDaemonSet('ztunnel', istio.namespace, istio.version, istio.installer));
  }
  if (istio.installer === 'helm') {
    const now = ctx.clock.iso();
    const release = (
      name: string,
      namespace: string,
      chart: string,
      version: string,
      values: Record<string, unknown> = {},
    ): void => {
      applyObject(
        ctx,
        releaseSecret({
          name,
          namespace,
          chart,
          version: bareVersion(version),
          revision: 1,
          status: 'deployed',
          values,
          updated: now,
        }),
      );
    };
    release('istio-base', istio.namespace, 'base', istio.version);
    for (const r of revs)
      release(
        r.name === 'default' ? 'istiod' : `istiod-${r.name}`,
        istio.namespace,
        'istiod',
        r.version,
        r.name === 'default' ? {} : { revision: r.name },
      );
    for (const g of istio.gateways) release(g.name, g.namespace, 'gateway', istio.version);
    if (ambient) {
      release('istio-cni', istio.namespace, 'cni', istio.version, { profile: 'ambient' });
      release('ztunnel', istio.namespace, 'ztunnel', istio.version);
    }
  }
}

function seedApps(ctx: ControllerContext, scenario: Scenario): void {
  for (const ns of scenario.namespaces) {
    ensureNamespace(ctx, ns.name, ns.labels);
    for (const d of ns.deployments) {
      const app = d.labels?.app ?? d.name.replace(/-v\d+$/, '');
      const versionLabel = /-(v\d+)$/.exec(d.name)?.[1] ?? 'v1';
      const podLabels = { app, version: versionLabel, ...d.podLabels };
      const annotations = {
        ...d.podAnnotations,
        ...(d.readySeconds !== undefined ? { [READY_SECONDS_ANNOTATION]: String(d.readySeconds) } : {}),
      };
      applyObject(ctx, {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: d.name, namespace: ns.name, labels: { app, version: versionLabel, ...d.labels } },
        spec: {
          replicas: d.replicas,
          selector: { matchLabels: { app, version: versionLabel } },
          ...(d.progressDeadlineSeconds ? { progressDeadlineSeconds: d.progressDeadlineSeconds } : {}),
          ...(d.maxSurge !== undefined || d.maxUnavailable !== undefined
            ? {
                strategy: {
                  type: 'RollingUpdate',
                  rollingUpdate: { maxSurge: d.maxSurge ?? '25%', maxUnavailable: d.maxUnavailable ?? '25%' },
                },
              }
            : {}),
          template: {
            metadata: { labels: podLabels, ...(Object.keys(annotations).length ? { annotations } : {}) },
            spec: {
              containers: [
                {
                  name: app,
                  image: d.image ?? `docker.io/istio/examples-bookinfo-${d.name}:1.20.2`,
                  ports: [{ containerPort: 9080 }],
                },
              ],
              ...(d.terminationGracePeriodSeconds !== undefined
                ? { terminationGracePeriodSeconds: d.terminationGracePeriodSeconds }
                : {}),
            },
          },
        },
      });
      if (!ctx.store.get(T.services, ns.name, app)) {
        applyObject(ctx, {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: app, namespace: ns.name, labels: { app } },
          spec: { selector: { app }, ports: [{ name: 'http', port: 9080 }] },
        });
      }
    }
    for (const w of ns.waypoints) {
      applyObject(ctx, {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: {
          name: w.name,
          namespace: ns.name,
          labels: { 'istio.io/waypoint-for': 'service', ...(w.revision ? { 'istio.io/rev': w.revision } : {}) },
        },
        spec: { gatewayClassName: 'istio-waypoint', listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }] },
      });
    }
  }
}

export function seedScenario(ctx: ControllerContext, scenario: Scenario): void {
  seedNodes(ctx, scenario);
  for (const ns of ['default', 'kube-system', 'kube-public']) ensureNamespace(ctx, ns);
  seedIstio(ctx, scenario);
  seedApps(ctx, scenario);
  for (const raw of scenario.objects) {
    const obj = asKubeObject(raw);
    const t = typeOfObject(obj.apiVersion, obj.kind);
    if (!t) throw new Error(`scenario objects: unknown kind ${obj.apiVersion} ${obj.kind} (${obj.metadata.name})`);
    if (t.namespaced) ensureNamespace(ctx, obj.metadata.namespace ?? 'default');
    applyObject(ctx, obj);
  }
}
