/**
 * The objects an Istio installation consists of, rendered the same way whichever installer asks
 * (scenario seed, istioctl, helm, the Sail operator), so tools that inspect a cluster find what
 * they would find on a real one: istiod per revision with `istio.io/rev`, the injector webhook,
 * revision tags as webhooks, the mesh ConfigMap, gateways, istio-cni and ztunnel DaemonSets.
 */
import { stringify } from 'yaml';
import type { KubeObject, OwnerReference } from '../api/object.js';
import { bareVersion } from './version.js';

export type Installer = 'istioctl' | 'helm' | 'sail';

export interface RevisionInstall {
  /** `default` for the revision-less install, else `1-27-1` or Sail's `default-v1-27-1`. */
  revision: string;
  version: string;
  namespace: string;
  installer: Installer;
  compatibilityVersion?: string;
  meshConfig?: Record<string, unknown>;
  ambient?: boolean;
  owner?: OwnerReference;
}

const suffix = (revision: string): string => (revision === 'default' ? '' : `-${revision}`);

export const istiodName = (revision: string): string => `istiod${suffix(revision)}`;
export const injectorWebhookName = (revision: string): string => `istio-sidecar-injector${suffix(revision)}`;
export const meshConfigMapName = (revision: string): string => `istio${suffix(revision)}`;
export const tagWebhookName = (tag: string): string => `istio-revision-tag-${tag}`;

function managedBy(installer: Installer): Record<string, string> {
  switch (installer) {
    case 'istioctl':
      return { 'install.operator.istio.io/owning-resource': 'installed-state', 'operator.istio.io/component': 'Pilot' };
    case 'helm':
      return { 'app.kubernetes.io/managed-by': 'Helm' };
    case 'sail':
      return { 'app.kubernetes.io/managed-by': 'sail-operator' };
  }
}

function meta(
  name: string,
  namespace: string | undefined,
  labels: Record<string, string>,
  r: { owner?: OwnerReference },
): KubeObject['metadata'] {
  return {
    name,
    ...(namespace ? { namespace } : {}),
    labels,
    ...(r.owner ? { ownerReferences: [r.owner] } : {}),
  };
}

function webhook(name: string, r: RevisionInstall, labels: Record<string, string>): KubeObject {
  const rev = r.revision;
  const client = { service: { name: istiodName(rev), namespace: r.namespace, path: '/inject', port: 443 } };
  const common = {
    admissionReviewVersions: ['v1'],
    sideEffects: 'None',
    failurePolicy: 'Fail',
    clientConfig: client,
    rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
  };
  const webhooks =
    rev === 'default'
      ? [
          {
            name: 'namespace.sidecar-injector.istio.io',
            ...common,
            namespaceSelector: { matchExpressions: [{ key: 'istio-injection', operator: 'In', values: ['enabled'] }] },
          },
          {
            name: 'object.sidecar-injector.istio.io',
            ...common,
            namespaceSelector: {
              matchExpressions: [
                { key: 'istio-injection', operator: 'DoesNotExist' },
                { key: 'istio.io/rev', operator: 'DoesNotExist' },
              ],
            },
            objectSelector: {
              matchExpressions: [
                { key: 'sidecar.istio.io/inject', operator: 'In', values: ['true'] },
                { key: 'istio.io/rev', operator: 'DoesNotExist' },
              ],
            },
          },
        ]
      : [
          {
            name: 'rev.namespace.sidecar-injector.istio.io',
            ...common,
            namespaceSelector: {
              matchExpressions: [
                { key: 'istio.io/rev', operator: 'In', values: [labels['istio.io/tag'] ?? rev] },
                { key: 'istio-injection', operator: 'DoesNotExist' },
              ],
            },
          },
          {
            name: 'rev.object.sidecar-injector.istio.io',
            ...common,
            objectSelector: {
              matchExpressions: [{ key: 'istio.io/rev', operator: 'In', values: [labels['istio.io/tag'] ?? rev] }],
            },
          },
        ];
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: meta(name, undefined, labels, r),
    webhooks,
  };
}

export function controlPlaneObjects(r: RevisionInstall): KubeObject[] {
  const version = bareVersion(r.version);
  const labels = {
    app: 'istiod',
    'istio.io/rev': r.revision,
    'operator.istio.io/version': version,
    ...managedBy(r.installer),
  };
  const env = [
    { name: 'REVISION', value: r.revision },
    { name: 'PILOT_ENABLE_AMBIENT', value: r.ambient ? 'true' : 'false' },
    ...(r.compatibilityVersion ? [{ name: 'COMPATIBILITY_VERSION', value: r.compatibilityVersion }] : []),
  ];
  const mesh = {
    defaultConfig: { discoveryAddress: `${istiodName(r.revision)}.${r.namespace}.svc:15012` },
    ...r.meshConfig,
  };
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta(
        meshConfigMapName(r.revision),
        r.namespace,
        { 'istio.io/rev': r.revision, ...managedBy(r.installer) },
        r,
      ),
      data: { mesh: stringify(mesh), meshNetworks: 'networks: {}\n' },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(istiodName(r.revision), r.namespace, labels, r),
      spec: {
        selector: { app: 'istiod', 'istio.io/rev': r.revision },
        ports: [
          { name: 'grpc-xds', port: 15010 },
          { name: 'https-dns', port: 15012 },
          { name: 'https-webhook', port: 443 },
        ],
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(istiodName(r.revision), r.namespace, labels, r),
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'istiod', 'istio.io/rev': r.revision } },
        template: {
          metadata: { labels: { app: 'istiod', 'istio.io/rev': r.revision, 'sidecar.istio.io/inject': 'false' } },
          spec: { containers: [{ name: 'discovery', image: `docker.io/istio/pilot:${version}`, env }] },
        },
      },
    },
    webhook(injectorWebhookName(r.revision), r, {
      app: 'sidecar-injector',
      'istio.io/rev': r.revision,
      ...managedBy(r.installer),
    }),
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: meta(
        `istio-validator${suffix(r.revision)}-${r.namespace}`,
        undefined,
        { app: 'istiod', 'istio.io/rev': r.revision, ...managedBy(r.installer) },
        r,
      ),
      webhooks: [],
    },
  ];
}

export function tagWebhook(tag: string, r: RevisionInstall): KubeObject {
  return webhook(tagWebhookName(tag), r, {
    app: 'sidecar-injector',
    'istio.io/rev': r.revision,
    'istio.io/tag': tag,
    ...managedBy(r.installer),
  });
}

export interface GatewayInstall {
  name: string;
  namespace: string;
  replicas: number;
  revision: string;
  installer: Installer;
  /**
   * istioctl stamps its release on what it renders, the gateway's pod template included, so
   * `istioctl upgrade` rolls the gateway when it re-applies it; the Helm chart does not, and its
   * gateways take the new proxy at their next restart.
   */
  stampedVersion?: string;
  owner?: OwnerReference;
}

/**
 * An ingress gateway as istioctl and the Helm `gateway` chart install it: one `istio-proxy`
 * container with `image: auto`, which the injector of the revision its `istio.io/rev` names
 * fills in through the `gateway` template. So the proxy a gateway runs is always its revision's,
 * and a relabel plus a restart is all it takes to move it.
 */
export function gatewayObjects(g: GatewayInstall): KubeObject[] {
  const labels = {
    app: g.name,
    istio: g.name.replace(/^istio-/, ''),
    'istio.io/rev': g.revision,
    ...(g.stampedVersion === undefined ? {} : { 'operator.istio.io/version': bareVersion(g.stampedVersion) }),
  };
  const podLabels = { ...labels, 'sidecar.istio.io/inject': 'true' };
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(g.name, g.namespace, { ...labels, ...managedBy(g.installer) }, g),
      spec: {
        type: 'LoadBalancer',
        selector: { app: g.name },
        ports: [
          { name: 'http2', port: 80 },
          { name: 'https', port: 443 },
        ],
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(g.name, g.namespace, { ...labels, ...managedBy(g.installer) }, g),
      spec: {
        replicas: g.replicas,
        selector: { matchLabels: { app: g.name, istio: labels.istio } },
        template: {
          metadata: { labels: podLabels, annotations: { 'inject.istio.io/templates': 'gateway' } },
          spec: { containers: [{ name: 'istio-proxy', image: 'auto', args: ['proxy', 'router'] }] },
        },
      },
    },
  ];
}

export type NodeAgent = 'istio-cni' | 'ztunnel';

export function nodeAgentDaemonSet(
  agent: NodeAgent,
  namespace: string,
  version: string,
  installer: Installer,
  owner?: OwnerReference,
): KubeObject {
  const name = agent === 'istio-cni' ? 'istio-cni-node' : 'ztunnel';
  const image =
    agent === 'istio-cni'
      ? `docker.io/istio/install-cni:${bareVersion(version)}`
      : `docker.io/istio/ztunnel:${bareVersion(version)}`;
  const labels = {
    'k8s-app': name,
    app: name,
    'app.kubernetes.io/version': bareVersion(version),
    ...managedBy(installer),
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: meta(name, namespace, labels, { owner }),
    spec: {
      selector: { matchLabels: { 'k8s-app': name } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
      template: {
        metadata: { labels: { 'k8s-app': name, app: name, 'sidecar.istio.io/inject': 'false' } },
        spec: { containers: [{ name: agent === 'istio-cni' ? 'install-cni' : 'istio-proxy', image }] },
      },
    },
  };
}
