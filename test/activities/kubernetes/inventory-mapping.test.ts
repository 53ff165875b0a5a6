import { describe, expect, it } from 'vitest';
import type {
  V1ConfigMap,
  V1Container,
  V1DaemonSet,
  V1Deployment,
  V1LabelSelector,
  V1MutatingWebhookConfiguration,
  V1Pod,
  V1ValidatingWebhookConfiguration,
} from '@kubernetes/client-node';
import {
  inventoryOf,
  keep,
  selectorMatches,
  type InventoryLists,
  type SailLists,
} from '../../../activities/kubernetes/inventory-mapping.js';
import type { SailObject } from '../../../activities/sail/resources.js';

const CP = 'istio-system';
const AT = { controlPlaneNamespace: CP, context: 'kind-mesh', observedAt: '2025-06-01T12:00:00.000Z' };

function lists(parts: Partial<InventoryLists> = {}): InventoryLists {
  return {
    namespaces: [],
    deployments: [],
    pods: [],
    daemonSets: [],
    configMaps: [],
    podDisruptionBudgets: [],
    mutatingWebhooks: [],
    validatingWebhooks: [],
    services: [],
    helmReleases: [],
    gateways: [],
    sail: null,
    ...parts,
  };
}

interface DeploymentParts {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  podLabels?: Record<string, string>;
  podAnnotations?: Record<string, string>;
  selector?: V1LabelSelector;
  replicas?: number;
  readyReplicas?: number;
  containers?: V1Container[];
}

/** A Deployment as listed: through the reader's page reducer. */
function deployment(namespace: string, name: string, parts: DeploymentParts = {}): V1Deployment {
  const podLabels = parts.podLabels ?? { app: name };
  return keep.deployment(
    {
      metadata: { namespace, name, labels: parts.labels ?? {}, annotations: parts.annotations ?? {} },
      spec: {
        ...(parts.replicas === undefined ? {} : { replicas: parts.replicas }),
        selector: parts.selector ?? { matchLabels: podLabels },
        template: {
          metadata: { labels: podLabels, annotations: parts.podAnnotations ?? {} },
          spec: { containers: parts.containers ?? [{ name: 'app', image: 'example/app:1.0.0' }] },
        },
      },
      status: parts.readyReplicas === undefined ? {} : { readyReplicas: parts.readyReplicas },
    },
    CP,
  );
}

interface PodParts {
  labels?: Record<string, string>;
  proxy?: string | null;
  native?: boolean;
  phase?: string;
  deleting?: boolean;
  injectedBy?: string;
}

/** A pod as listed: through the reader's page reducer. */
function pod(namespace: string, name: string, parts: PodParts = {}) {
  const proxy = parts.proxy === undefined ? 'docker.io/istio/proxyv2:1.26.4' : parts.proxy;
  const sidecar: V1Container[] =
    proxy === null ? [] : [{ name: 'istio-proxy', image: proxy, ...(parts.native ? { restartPolicy: 'Always' } : {}) }];
  const raw: V1Pod = {
    metadata: {
      namespace,
      name,
      labels: parts.labels ?? {},
      ...(parts.injectedBy === undefined
        ? {}
        : { annotations: { 'sidecar.istio.io/status': JSON.stringify({ revision: parts.injectedBy }) } }),
      ...(parts.deleting ? { deletionTimestamp: new Date('2025-06-01T11:59:00Z') } : {}),
    },
    spec: parts.native
      ? { containers: [{ name: 'app' }], initContainers: sidecar }
      : { containers: [{ name: 'app' }, ...sidecar] },
    status: { phase: parts.phase ?? 'Running' },
  };
  return keep.pod(raw);
}

function istiod(
  parts: {
    revision?: string;
    image?: string;
    env?: { name: string; value?: string }[];
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    replicas?: number;
    namespace?: string;
  } = {},
) {
  const revision = parts.revision;
  const podLabels = { app: 'istiod', ...(revision === undefined ? {} : { 'istio.io/rev': revision }) };
  return deployment(parts.namespace ?? CP, revision === undefined ? 'istiod' : `istiod-${revision}`, {
    podLabels,
    labels: parts.labels ?? {},
    annotations: parts.annotations ?? {},
    ...(parts.replicas === undefined ? {} : { replicas: parts.replicas }),
    containers: [{ name: 'discovery', image: parts.image ?? 'docker.io/istio/pilot:1.26.4', env: parts.env ?? [] }],
  });
}

function configMap(name: string, mesh?: string): V1ConfigMap {
  const data: Record<string, string> = mesh === undefined ? {} : { mesh };
  return { metadata: { namespace: CP, name }, data };
}

function daemonSet(name: string, image: string, counts?: { desired: number; ready: number }): V1DaemonSet {
  return {
    metadata: { namespace: CP, name },
    spec: {
      selector: {},
      template: { spec: { containers: [{ name: name === 'ztunnel' ? 'istio-proxy' : 'install-cni', image }] } },
    },
    ...(counts === undefined
      ? {}
      : {
          status: {
            currentNumberScheduled: counts.desired,
            numberMisscheduled: 0,
            desiredNumberScheduled: counts.desired,
            numberReady: counts.ready,
          },
        }),
  };
}

function sailObject(
  name: string,
  spec: Record<string, unknown> = {},
  status: Record<string, unknown> = {},
): SailObject {
  return { metadata: { name }, spec, status };
}

/** What these cases look at besides health, which inventory-health.test.ts covers. */
function withoutHealth<T extends { health?: unknown }>(items: T[]): Omit<T, 'health'>[] {
  return items.map(({ health: _health, ...rest }) => rest);
}

function sail(parts: Partial<SailLists> = {}): SailLists {
  return { istios: [], revisions: [], revisionTags: [], cnis: [], ztunnels: [], ...parts };
}

describe('reading the listed objects into an inventory', () => {
  it('stamps the read with its time, kubeconfig context and control-plane namespace', () => {
    const inventory = inventoryOf(lists(), AT);
    expect(inventory.observedAt).toBe('2025-06-01T12:00:00.000Z');
    expect(inventory.context).toBe('kind-mesh');
    expect(inventory.controlPlane).toEqual({ namespace: CP, installer: 'unknown', revisions: [], tags: [] });
    expect(inventoryOf(lists(), { ...AT, context: null }).context).toBeNull();
  });

  it('keeps every namespace with all its labels, sorted by name, without reordering the listed ones', () => {
    const namespaces = [
      keep.namespace({
        metadata: { name: 'reviews', labels: { 'istio.io/rev': '1-27-3', 'istio-injection': 'enabled' } },
      }),
      keep.namespace({ metadata: { name: 'bookinfo', labels: { 'istio.io/dataplane-mode': 'ambient' } } }),
      keep.namespace({ metadata: { name: 'default' } }),
    ];
    const inventory = inventoryOf(lists({ namespaces }), AT);
    expect(inventory.namespaces).toEqual([
      { name: 'bookinfo', labels: { 'istio.io/dataplane-mode': 'ambient' } },
      { name: 'default', labels: {} },
      { name: 'reviews', labels: { 'istio.io/rev': '1-27-3', 'istio-injection': 'enabled' } },
    ]);
    expect(namespaces.map((n) => n.name)).toEqual(['reviews', 'bookinfo', 'default']);
  });

  it('lists every Service as namespace/name, sorted', () => {
    const services = [
      keep.service({ metadata: { namespace: CP, name: 'istiod' } }),
      keep.service({ metadata: { namespace: 'bookinfo', name: 'reviews' } }),
    ];
    expect(inventoryOf(lists({ services }), AT).services).toEqual(['bookinfo/reviews', 'istio-system/istiod']);
  });

  it('reads the same lists into the same inventory', () => {
    const listed = lists({
      deployments: [istiod(), deployment('bookinfo', 'reviews-v2')],
      pods: [pod('bookinfo', 'reviews-v2-a', { labels: { app: 'reviews-v2' } })],
    });
    expect(inventoryOf(listed, AT)).toEqual(inventoryOf(listed, AT));
  });
});

describe('deployments and their proxies', () => {
  it('moves reviews-v2 with the proxies of its two running pods, sorted by pod, and batch-worker with none', () => {
    const inventory = inventoryOf(
      lists({
        deployments: [
          deployment('bookinfo', 'reviews-v2', { replicas: 2, readyReplicas: 2 }),
          deployment('bookinfo', 'batch-worker', { replicas: 1, readyReplicas: 1 }),
        ],
        pods: [
          pod('bookinfo', 'reviews-v2-b', { labels: { app: 'reviews-v2' }, injectedBy: 'default' }),
          pod('bookinfo', 'reviews-v2-a', {
            labels: { app: 'reviews-v2' },
            proxy: 'docker.io/istio/proxyv2:1.27.1',
            native: true,
            injectedBy: '1-27-1',
          }),
          pod('bookinfo', 'batch-worker-a', { labels: { app: 'batch-worker' }, proxy: null }),
        ],
      }),
      AT,
    );
    expect(inventory.deployments.map((d) => [d.namespace, d.name])).toEqual([
      ['bookinfo', 'batch-worker'],
      ['bookinfo', 'reviews-v2'],
    ]);
    const reviews = inventory.deployments.find((d) => d.name === 'reviews-v2');
    expect(reviews).toMatchObject({ replicas: 2, readyReplicas: 2 });
    expect(reviews?.proxies).toEqual([
      { pod: 'reviews-v2-a', version: '1.27.1', revision: '1-27-1', nativeSidecar: true },
      { pod: 'reviews-v2-b', version: '1.26.4', revision: 'default', nativeSidecar: false },
    ]);
    expect(inventory.deployments.find((d) => d.name === 'batch-worker')?.proxies).toEqual([]);
  });

  it('counts one replica and none ready when the Deployment does not say', () => {
    const [ratings] = inventoryOf(lists({ deployments: [deployment('bookinfo', 'ratings')] }), AT).deployments;
    expect(ratings).toMatchObject({ replicas: 1, readyReplicas: 0 });
  });

  it('leaves out pods that are not running, are being deleted, live in another namespace or miss the selector', () => {
    const inventory = inventoryOf(
      lists({
        deployments: [deployment('bookinfo', 'reviews-v2')],
        pods: [
          pod('bookinfo', 'reviews-v2-pending', { labels: { app: 'reviews-v2' }, phase: 'Pending' }),
          pod('bookinfo', 'reviews-v2-leaving', { labels: { app: 'reviews-v2' }, deleting: true }),
          pod('staging', 'reviews-v2-elsewhere', { labels: { app: 'reviews-v2' } }),
          pod('bookinfo', 'ratings-v1-a', { labels: { app: 'ratings-v1' } }),
          pod('bookinfo', 'reviews-v2-live', { labels: { app: 'reviews-v2' } }),
        ],
      }),
      AT,
    );
    expect(inventory.deployments[0]?.proxies.map((p) => p.pod)).toEqual(['reviews-v2-live']);
  });

  it('takes the revision a pod was injected by from sidecar.istio.io/status over its istio.io/rev label', () => {
    const inventory = inventoryOf(
      lists({
        deployments: [deployment('bookinfo', 'reviews-v2')],
        pods: [
          pod('bookinfo', 'reviews-v2-a', {
            labels: { app: 'reviews-v2', 'istio.io/rev': 'stable' },
            injectedBy: '1-26-4',
          }),
          pod('bookinfo', 'reviews-v2-b', { labels: { app: 'reviews-v2', 'istio.io/rev': 'stable' } }),
        ],
      }),
      AT,
    );
    expect(inventory.deployments[0]?.proxies.map((p) => [p.pod, p.revision])).toEqual([
      ['reviews-v2-a', '1-26-4'],
      ['reviews-v2-b', 'stable'],
    ]);
  });

  it('keeps of the pod template only the labels and annotations Istio acts on, and app and version', () => {
    const [reviews] = inventoryOf(
      lists({
        deployments: [
          deployment('bookinfo', 'reviews-v2', {
            podLabels: {
              app: 'reviews',
              version: 'v2',
              'istio.io/rev': '1-27-3',
              'sidecar.istio.io/inject': 'true',
              team: 'books',
              'pod-template-hash': 'abc',
            },
            podAnnotations: {
              'sidecar.istio.io/nativeSidecar': 'false',
              'proxy.istio.io/config': '{}',
              'prometheus.io/scrape': 'true',
            },
          }),
        ],
      }),
      AT,
    ).deployments;
    expect(reviews?.podLabels).toEqual({
      app: 'reviews',
      version: 'v2',
      'istio.io/rev': '1-27-3',
      'sidecar.istio.io/inject': 'true',
    });
    expect(reviews?.podAnnotations).toEqual({
      'sidecar.istio.io/nativeSidecar': 'false',
      'proxy.istio.io/config': '{}',
    });
  });

  it("slims a workload Deployment to no containers, and keeps istiod's containers and annotations", () => {
    const workload = deployment('bookinfo', 'reviews-v2', { annotations: { note: 'x' } });
    expect(workload.spec?.template.spec?.containers).toEqual([]);
    expect(workload.metadata?.annotations).toBeUndefined();
    const controlPlane = istiod({ annotations: { 'istio.io/compatibility-version': '1.25' } });
    expect(controlPlane.spec?.template.spec?.containers.map((c) => c.name)).toEqual(['discovery']);
    expect(controlPlane.metadata?.annotations).toEqual({ 'istio.io/compatibility-version': '1.25' });
  });

  it('matches nothing with an absent selector or an operator the API server would refuse', () => {
    expect(selectorMatches(undefined, { app: 'reviews' })).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'Matches' }] }, { app: 'reviews' })).toBe(
      false,
    );
    expect(
      selectorMatches({ matchExpressions: [{ key: 'app', operator: 'In', values: ['reviews'] }] }, { app: 'reviews' }),
    ).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'reviews' } }, undefined)).toBe(false);
  });
});

describe('gateways and waypoints', () => {
  const gatewayApi = [
    { metadata: { namespace: 'bookinfo', name: 'waypoint' }, spec: { gatewayClassName: 'istio-waypoint' } },
    { metadata: { namespace: 'istio-ingress', name: 'public' }, spec: { gatewayClassName: 'istio' } },
  ];

  function kinds(deployments: V1Deployment[]) {
    return inventoryOf(lists({ deployments, gateways: gatewayApi }), AT).gateways.map((g) => [
      `${g.namespace}/${g.name}`,
      g.kind,
    ]);
  }

  it('reads a Gateway of class istio-waypoint as a waypoint and one of class istio as an ingress', () => {
    expect(
      kinds([
        deployment('bookinfo', 'waypoint', { podLabels: { 'gateway.networking.k8s.io/gateway-name': 'waypoint' } }),
        deployment('istio-ingress', 'public-istio', { labels: { 'gateway.networking.k8s.io/gateway-name': 'public' } }),
      ]),
    ).toEqual([
      ['bookinfo/waypoint', 'waypoint'],
      ['istio-ingress/public-istio', 'ingress'],
    ]);
  });

  it("reads the mesh controller's managed label as a waypoint even when its Gateway is not listed", () => {
    expect(
      kinds([
        deployment('reviews', 'reviews-waypoint', {
          podLabels: { 'gateway.istio.io/managed': 'istio.io-mesh-controller' },
        }),
      ]),
    ).toEqual([['reviews/reviews-waypoint', 'waypoint']]);
  });

  it("reads the istio label of classic gateways: egress, then ingress; and the gateway controller's managed label as an ingress", () => {
    expect(
      kinds([
        deployment(CP, 'istio-egressgateway', { podLabels: { istio: 'egressgateway' } }),
        deployment(CP, 'istio-ingressgateway', { podLabels: { istio: 'ingressgateway' } }),
        deployment('istio-ingress', 'ingress', {
          podLabels: { 'gateway.istio.io/managed': 'istio.io-gateway-controller' },
        }),
        deployment('bookinfo', 'productpage', { podLabels: { app: 'productpage', istio: 'sidecar' } }),
        deployment('bookinfo', 'other-class', { podLabels: { 'gateway.networking.k8s.io/gateway-name': 'unlisted' } }),
      ]),
    ).toEqual([
      ['istio-ingress/ingress', 'ingress'],
      ['istio-system/istio-egressgateway', 'egress'],
      ['istio-system/istio-ingressgateway', 'ingress'],
    ]);
  });

  describe("a waypoint's binding is its Gateway's istio.io/rev, not its pods'", () => {
    /** A waypoint as istiod renders it: the Deployment and its pod labelled with the revision that rendered it. */
    function waypointOn(gatewayLabels: Record<string, string> | undefined, renderedBy: string) {
      const podLabels = { 'gateway.networking.k8s.io/gateway-name': 'waypoint', 'istio.io/rev': renderedBy };
      return inventoryOf(
        lists({
          deployments: [deployment('bookinfo', 'waypoint', { podLabels })],
          pods: [
            pod('bookinfo', 'waypoint-7d9f-abcde', { labels: podLabels, proxy: 'docker.io/istio/proxyv2:1.26.4' }),
          ],
          gateways: [
            {
              metadata: {
                namespace: 'bookinfo',
                name: 'waypoint',
                ...(gatewayLabels === undefined ? {} : { labels: gatewayLabels }),
              },
              spec: { gatewayClassName: 'istio-waypoint' },
            },
          ],
        }),
        AT,
      ).gateways;
    }

    it.each([
      ['an unlabelled Gateway follows the default tag (null), though its pods show default-v1-26-4', undefined, null],
      ['a Gateway labelled with a tag follows the tag', { 'istio.io/rev': 'prod-stable' }, 'prod-stable'],
      ['a Gateway labelled with a revision name is pinned to it', { 'istio.io/rev': '1-26-4' }, '1-26-4'],
      ['other labels of the Gateway do not bind it', { 'istio.io/waypoint-for': 'service' }, null],
    ] as const)('%s', (_name, gatewayLabels, binding) => {
      expect(waypointOn(gatewayLabels, 'default-v1-26-4')).toMatchObject([
        {
          namespace: 'bookinfo',
          name: 'waypoint',
          kind: 'waypoint',
          revision: 'default-v1-26-4',
          version: '1.26.4',
          gatewayRevLabel: binding,
        },
      ]);
    });

    it('leaves the binding out for a waypoint whose Gateway is not listed, and for ingress gateways of class istio', () => {
      const inventory = inventoryOf(
        lists({
          deployments: [
            deployment('reviews', 'reviews-waypoint', {
              podLabels: { 'gateway.istio.io/managed': 'istio.io-mesh-controller', 'istio.io/rev': '1-26-4' },
            }),
            deployment('istio-ingress', 'public-istio', {
              labels: { 'gateway.networking.k8s.io/gateway-name': 'public' },
            }),
          ],
          gateways: [
            {
              metadata: { namespace: 'istio-ingress', name: 'public', labels: { 'istio.io/rev': '1-26-4' } },
              spec: { gatewayClassName: 'istio' },
            },
          ],
        }),
        AT,
      );
      expect(inventory.gateways.map((g) => [`${g.namespace}/${g.name}`, 'gatewayRevLabel' in g])).toEqual([
        ['istio-ingress/public-istio', false],
        ['reviews/reviews-waypoint', false],
      ]);
    });
  });

  it('takes the revision of the first running gateway pod and the lowest version among them', () => {
    const inventory = inventoryOf(
      lists({
        deployments: [
          deployment(CP, 'istio-ingressgateway', { podLabels: { istio: 'ingressgateway', 'istio.io/rev': 'canary' } }),
        ],
        pods: [
          pod(CP, 'istio-ingressgateway-a', {
            labels: { istio: 'ingressgateway', 'istio.io/rev': 'canary' },
            proxy: 'docker.io/istio/proxyv2:1.27.3',
            injectedBy: '1-27-3',
          }),
          pod(CP, 'istio-ingressgateway-b', {
            labels: { istio: 'ingressgateway', 'istio.io/rev': 'canary' },
            proxy: 'docker.io/istio/proxyv2:1.26.4',
            injectedBy: '1-26-4',
          }),
          pod(CP, 'istio-ingressgateway-c', {
            labels: { istio: 'ingressgateway', 'istio.io/rev': 'canary' },
            proxy: 'docker.io/istio/proxyv2:latest',
          }),
        ],
      }),
      AT,
    );
    expect(withoutHealth(inventory.gateways)).toEqual([
      { namespace: CP, name: 'istio-ingressgateway', kind: 'ingress', revision: '1-27-3', version: '1.26.4' },
    ]);
  });

  it("falls back to the template's istio.io/rev with no running pod, and to null without one", () => {
    const inventory = inventoryOf(
      lists({
        deployments: [
          deployment(CP, 'istio-ingressgateway', {
            podLabels: { istio: 'ingressgateway', 'istio.io/rev': 'prod-stable' },
          }),
          deployment(CP, 'istio-egressgateway', { podLabels: { istio: 'egressgateway' } }),
        ],
      }),
      AT,
    );
    expect(withoutHealth(inventory.gateways)).toEqual([
      { namespace: CP, name: 'istio-egressgateway', kind: 'egress', revision: null, version: null },
      { namespace: CP, name: 'istio-ingressgateway', kind: 'ingress', revision: 'prod-stable', version: null },
    ]);
  });

  it('keeps gateways among the deployments too', () => {
    const inventory = inventoryOf(
      lists({ deployments: [deployment(CP, 'istio-ingressgateway', { podLabels: { istio: 'ingressgateway' } })] }),
      AT,
    );
    expect(inventory.deployments.map((d) => d.name)).toEqual(['istio-ingressgateway']);
  });
});

describe('control-plane revisions', () => {
  it('reads a revision-less istiod as revision default, with its version, replicas and the istio mesh config', () => {
    const inventory = inventoryOf(
      lists({
        deployments: [istiod({ image: 'docker.io/istio/pilot:1.26.4-distroless', replicas: 2 })],
        configMaps: [
          configMap(
            'istio',
            'extensionProviders:\n- name: zipkin\n  zipkin:\n    service: zipkin.istio-system.svc.cluster.local\n    port: 9411\n',
          ),
        ],
      }),
      AT,
    );
    expect(withoutHealth(inventory.controlPlane.revisions)).toEqual([
      {
        name: 'default',
        version: '1.26.4',
        istiodReplicas: 2,
        hasPodDisruptionBudget: false,
        meshConfig: {
          extensionProviders: [{ name: 'zipkin', kind: 'zipkin' }],
          proxyMetadata: {},
          raw: {
            extensionProviders: [
              { name: 'zipkin', zipkin: { service: 'zipkin.istio-system.svc.cluster.local', port: 9411 } },
            ],
          },
        },
        istiodEnv: {},
        compatibilityVersion: null,
      },
    ]);
  });

  it("names a revisioned istiod by its template's istio.io/rev, then its own, and sorts revisions by name", () => {
    const fromMetadata = keep.deployment(
      {
        metadata: { namespace: CP, name: 'istiod-1-26-4', labels: { app: 'istiod', 'istio.io/rev': '1-26-4' } },
        spec: {
          selector: {},
          template: {
            metadata: { labels: {} },
            spec: { containers: [{ name: 'discovery', image: 'docker.io/istio/pilot:1.26.4' }] },
          },
        },
      },
      CP,
    );
    const inventory = inventoryOf(
      lists({ deployments: [istiod({ revision: '1-27-3', image: 'docker.io/istio/pilot:1.27.3' }), fromMetadata] }),
      AT,
    );
    expect(inventory.controlPlane.revisions.map((r) => [r.name, r.version, r.istiodReplicas])).toEqual([
      ['1-26-4', '1.26.4', 1],
      ['1-27-3', '1.27.3', 1],
    ]);
  });

  it('ignores an istiod outside the control-plane namespace', () => {
    expect(
      inventoryOf(lists({ deployments: [istiod({ namespace: 'istio-canary' })] }), AT).controlPlane.revisions,
    ).toEqual([]);
  });

  it('reads the version off the discovery container, else the first one', () => {
    const sidecarFirst = deployment(CP, 'istiod', {
      podLabels: { app: 'istiod' },
      containers: [
        { name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.25.0' },
        { name: 'discovery', image: 'docker.io/istio/pilot:1.26.4' },
      ],
    });
    const unnamed = deployment(CP, 'istiod-canary', {
      podLabels: { app: 'istiod', 'istio.io/rev': 'canary' },
      containers: [{ name: 'pilot', image: 'gcr.io/istio-release/pilot:1.27.0' }],
    });
    expect(
      inventoryOf(lists({ deployments: [sidecarFirst, unnamed] }), AT).controlPlane.revisions.map((r) => [
        r.name,
        r.version,
      ]),
    ).toEqual([
      ['canary', '1.27.0'],
      ['default', '1.26.4'],
    ]);
  });

  it("finds the PodDisruptionBudget that selects istiod's pods", () => {
    const inventory = inventoryOf(
      lists({
        deployments: [istiod(), istiod({ revision: '1-27-3' })],
        podDisruptionBudgets: [
          {
            metadata: { namespace: CP, name: 'istiod-1-27-3' },
            spec: { selector: { matchLabels: { app: 'istiod', 'istio.io/rev': '1-27-3' } } },
          },
        ],
      }),
      AT,
    );
    expect(inventory.controlPlane.revisions.map((r) => [r.name, r.hasPodDisruptionBudget])).toEqual([
      ['1-27-3', true],
      ['default', false],
    ]);
  });

  it("reads a revision's own istio-<rev> mesh config, falling back to istio", () => {
    const inventory = inventoryOf(
      lists({
        deployments: [istiod({ revision: '1-27-3' }), istiod({ revision: '1-26-4' })],
        configMaps: [
          configMap('istio', 'extensionProviders:\n- name: zipkin\n  zipkin: {}\n'),
          configMap('istio-1-27-3', 'extensionProviders:\n- name: otel\n  opentelemetry: {}\n'),
        ],
      }),
      AT,
    );
    expect(inventory.controlPlane.revisions.map((r) => [r.name, r.meshConfig?.extensionProviders])).toEqual([
      ['1-26-4', [{ name: 'zipkin', kind: 'zipkin' }]],
      ['1-27-3', [{ name: 'otel', kind: 'opentelemetry' }]],
    ]);
  });

  it('keeps the Lightstep access token out of the mesh config and reads proxyMetadata', () => {
    const mesh = [
      'extensionProviders:',
      '- name: lightstep',
      '  lightstep:',
      '    address: ingest.lightstep.com:443',
      '    accessToken: leaky-token',
      'defaultConfig:',
      '  proxyMetadata:',
      '    ISTIO_META_DNS_CAPTURE: "true"',
      '',
    ].join('\n');
    const [revision] = inventoryOf(lists({ deployments: [istiod()], configMaps: [configMap('istio', mesh)] }), AT)
      .controlPlane.revisions;
    expect(revision?.meshConfig?.extensionProviders).toEqual([{ name: 'lightstep', kind: 'lightstep' }]);
    expect(revision?.meshConfig?.proxyMetadata).toEqual({ ISTIO_META_DNS_CAPTURE: 'true' });
    expect(revision?.meshConfig?.raw).toEqual({
      extensionProviders: [
        { name: 'lightstep', lightstep: { address: 'ingest.lightstep.com:443', accessToken: '[REDACTED]' } },
      ],
      defaultConfig: { proxyMetadata: { ISTIO_META_DNS_CAPTURE: 'true' } },
    });
  });

  it('has no mesh config without a mesh key, with YAML that does not parse, or with YAML that is not a map', () => {
    const meshOf = (...configMaps: V1ConfigMap[]) =>
      inventoryOf(lists({ deployments: [istiod()], configMaps }), AT).controlPlane.revisions[0]?.meshConfig;
    expect(meshOf()).toBeNull();
    expect(meshOf(configMap('istio'))).toBeNull();
    expect(meshOf(configMap('istio', 'extensionProviders: [unclosed'))).toBeNull();
    expect(meshOf(configMap('istio', '- a\n- b\n'))).toBeNull();
    expect(meshOf(configMap('istio', 'plain text'))).toBeNull();
  });

  it('keeps literal istiod env under names that are not secret, and redacts credentials inside values', () => {
    const [revision] = inventoryOf(
      lists({
        deployments: [
          istiod({
            env: [
              { name: 'ENABLE_AUTO_SNI', value: 'true' },
              { name: 'AWS_SECRET_ACCESS_KEY', value: 'leaky-aws-secret' },
              { name: 'EXTRA_ARGS', value: 'token=leaky-token' },
              { name: 'POD_NAME' },
            ],
          }),
        ],
      }),
      AT,
    ).controlPlane.revisions;
    expect(revision?.istiodEnv).toEqual({ ENABLE_AUTO_SNI: 'true', EXTRA_ARGS: 'token=[REDACTED]' });
  });

  it("takes compatibilityVersion from istiod's annotation, then its env, then the Sail Istio values", () => {
    const sailValues = sail({
      istios: [sailObject('default', { version: 'v1.26.4', values: { compatibilityVersion: '1.24' } })],
    });
    const compat = (deployments: V1Deployment[], sailLists: SailLists | null = sailValues) =>
      inventoryOf(lists({ deployments, sail: sailLists }), AT).controlPlane.revisions[0]?.compatibilityVersion;
    expect(
      compat([
        istiod({
          annotations: { 'istio.io/compatibility-version': '1.22' },
          env: [{ name: 'COMPATIBILITY_VERSION', value: '1.23' }],
        }),
      ]),
    ).toBe('1.22');
    expect(compat([istiod({ env: [{ name: 'COMPATIBILITY_VERSION', value: '1.23' }] })])).toBe('1.23');
    expect(compat([istiod()])).toBe('1.24');
    expect(compat([istiod()], null)).toBeNull();
  });
});

describe('revision tags', () => {
  it('reads istio-revision-tag webhooks as tags, by their istio.io/tag label or their name, sorted', () => {
    const webhook = (name: string, labels: Record<string, string>): V1MutatingWebhookConfiguration => ({
      metadata: { name, labels },
    });
    const inventory = inventoryOf(
      lists({
        mutatingWebhooks: [
          webhook('istio-revision-tag-prod-stable', { 'istio.io/rev': '1-26-4' }),
          webhook('istio-revision-tag-default', { 'istio.io/tag': 'default', 'istio.io/rev': '1-27-3' }),
          webhook('istio-revision-tag-orphan', {}),
          webhook('istio-sidecar-injector', { 'istio.io/rev': '1-26-4' }),
        ],
      }),
      AT,
    );
    expect(inventory.controlPlane.tags).toEqual([
      { name: 'default', revision: '1-27-3' },
      { name: 'orphan', revision: '' },
      { name: 'prod-stable', revision: '1-26-4' },
    ]);
  });
});

describe('guessing the installer', () => {
  const installer = (parts: Partial<InventoryLists>) =>
    inventoryOf(lists({ deployments: [istiod()], ...parts }), AT).controlPlane.installer;

  it('says sail when Sail has an Istio, whatever Helm and istioctl left behind', () => {
    expect(
      installer({
        sail: sail({ istios: [sailObject('default')] }),
        helmReleases: ['istiod'],
        configMaps: [configMap('istio-installed-state')],
      }),
    ).toBe('sail');
  });

  it('says helm for an istiod release, by its name or a prefix of it, when Sail has no Istio', () => {
    expect(installer({ sail: sail(), helmReleases: ['istio-base', 'istiod'] })).toBe('helm');
    expect(installer({ helmReleases: ['istiod-canary'] })).toBe('helm');
    expect(installer({ helmReleases: ['istio-base'] })).toBe('unknown');
  });

  it('says istioctl for the installed-state ConfigMap or an istiod owned by an IstioOperator', () => {
    expect(installer({ configMaps: [configMap('istio-installed-state')] })).toBe('istioctl');
    expect(
      installer({
        deployments: [istiod({ labels: { 'install.operator.istio.io/owning-resource': 'installed-state' } })],
      }),
    ).toBe('istioctl');
  });

  it('says unknown with no clue', () => {
    expect(installer({})).toBe('unknown');
  });
});

describe('node agents', () => {
  it('reads istio-cni-node and ztunnel with their image version and scheduled and ready counts', () => {
    const inventory = inventoryOf(
      lists({
        daemonSets: [
          daemonSet('ztunnel', 'docker.io/istio/ztunnel:1.26.4-distroless', { desired: 3, ready: 2 }),
          daemonSet('istio-cni-node', 'docker.io/istio/install-cni:1.26.4'),
          daemonSet('kube-proxy', 'registry.k8s.io/kube-proxy:v1.31.0'),
        ],
      }),
      AT,
    );
    expect(inventory.ztunnel).toEqual({
      namespace: CP,
      name: 'ztunnel',
      version: '1.26.4',
      desired: 3,
      ready: 2,
      health: { desired: 3, ready: 2, updated: 0, unready: [] },
    });
    expect(inventory.cni).toEqual({
      namespace: CP,
      name: 'istio-cni-node',
      version: '1.26.4',
      desired: 0,
      ready: 0,
      health: { desired: 0, ready: 0, updated: 0, unready: [] },
    });
  });

  it('has neither in a sidecar mesh without CNI', () => {
    const inventory = inventoryOf(lists(), AT);
    expect(inventory.cni).toBeNull();
    expect(inventory.ztunnel).toBeNull();
  });
});

describe('Sail resources', () => {
  it('has no Sail inventory when the Istio kind is not served', () => {
    expect(inventoryOf(lists({ sail: null }), AT).sail).toBeNull();
  });

  it('reads the Istio named default, its revisions with InUse, IstioCNI and ZTunnel named default', () => {
    const inventory = inventoryOf(
      lists({
        sail: sail({
          istios: [
            sailObject('other', { version: 'v1.25.0' }),
            sailObject(
              'default',
              {
                version: 'v1.26-latest',
                namespace: 'istio-control',
                updateStrategy: { type: 'RevisionBased', inactiveRevisionDeletionGracePeriodSeconds: 30 },
                values: { meshConfig: { discoverySelectors: [{ matchLabels: { mesh: 'on' } }] } },
              },
              { activeRevisionName: 'default-v1-26-4' },
            ),
          ],
          revisions: [
            sailObject('default-v1-26-4', { version: 'v1.26.4' }, { conditions: [{ type: 'InUse', status: 'True' }] }),
            sailObject('default-v1-25-0', { version: 'v1.25.0' }, { conditions: [{ type: 'InUse', status: 'False' }] }),
          ],
          cnis: [sailObject('extra', { version: 'v1.25.0' }), sailObject('default', { version: 'v1.26.4' })],
          ztunnels: [sailObject('extra', { version: 'v1.26.4' })],
        }),
      }),
      AT,
    );
    const { health, ...read } = inventory.sail ?? { health: [] };
    expect(health?.map((h) => `${h.kind} ${h.name}`)).toEqual([
      'Istio other',
      'Istio default',
      'IstioRevision default-v1-26-4',
      'IstioRevision default-v1-25-0',
      'IstioCNI extra',
      'IstioCNI default',
      'ZTunnel extra',
    ]);
    expect(read).toEqual({
      istio: {
        name: 'default',
        namespace: 'istio-control',
        version: 'v1.26-latest',
        activeRevisionName: 'default-v1-26-4',
        updateStrategy: 'RevisionBased',
        inactiveRevisionDeletionGracePeriodSeconds: 30,
        discoverySelectors: [{ matchLabels: { mesh: 'on' } }],
      },
      revisions: [
        { name: 'default-v1-25-0', version: 'v1.25.0', inUse: false },
        { name: 'default-v1-26-4', version: 'v1.26.4', inUse: true },
      ],
      revisionTags: [],
      cni: { name: 'default', version: 'v1.26.4' },
      ztunnel: null,
    });
    expect(inventory.controlPlane.installer).toBe('sail');
  });

  it('falls back to the first Istio, in place in istio-system, with no selectors, active revision or grace period', () => {
    const inventory = inventoryOf(
      lists({
        sail: sail({
          istios: [sailObject('mesh', { version: 'v1.26.4', values: { meshConfig: { discoverySelectors: 'all' } } })],
        }),
      }),
      AT,
    );
    expect(inventory.sail?.istio).toEqual({
      name: 'mesh',
      namespace: 'istio-system',
      version: 'v1.26.4',
      activeRevisionName: null,
      updateStrategy: 'InPlace',
      inactiveRevisionDeletionGracePeriodSeconds: null,
      discoverySelectors: null,
    });
  });

  it('has a Sail inventory without an Istio when the API is served but holds none', () => {
    const inventory = inventoryOf(lists({ sail: sail() }), AT);
    expect(inventory.sail).toEqual({
      istio: null,
      revisions: [],
      revisionTags: [],
      cni: null,
      ztunnel: null,
      health: [],
    });
    expect(inventory.controlPlane.installer).toBe('unknown');
  });

  it('reads what each IstioRevisionTag follows and the revision it resolves to', () => {
    const tag = (name: string, targetRef: Record<string, string> | undefined, istioRevision?: string) =>
      sailObject(
        name,
        targetRef === undefined ? {} : { targetRef },
        istioRevision === undefined ? {} : { istioRevision },
      );
    const inventory = inventoryOf(
      lists({
        sail: sail({
          revisionTags: [
            tag('pinned', { kind: 'IstioRevision', name: 'default-v1-26-4' }),
            tag('default', { kind: 'Istio', name: 'default' }, 'default-v1-27-3'),
            tag('odd', { kind: 'Deployment', name: 'istiod' }),
            tag('bare', undefined),
          ],
        }),
      }),
      AT,
    );
    expect(inventory.sail?.revisionTags).toEqual([
      { name: 'bare', revision: '' },
      { name: 'default', revision: 'default-v1-27-3', targetRef: { kind: 'Istio', name: 'default' } },
      { name: 'odd', revision: 'istiod' },
      { name: 'pinned', revision: 'default-v1-26-4', targetRef: { kind: 'IstioRevision', name: 'default-v1-26-4' } },
    ]);
  });
});

describe('webhooks', () => {
  const service = (namespace: string, name: string) => ({ service: { namespace, name } });

  it("tells Istio's webhooks from others, whether they edit pods, and which Services they call", () => {
    const mutating: V1MutatingWebhookConfiguration[] = [
      {
        metadata: { name: 'vault-agent-injector' },
        webhooks: [
          {
            name: 'vault.hashicorp.com',
            admissionReviewVersions: ['v1'],
            sideEffects: 'None',
            clientConfig: service('vault', 'vault-agent-injector-svc'),
            rules: [{ operations: ['CREATE', 'UPDATE'], resources: ['pods'] }],
          },
        ],
      },
      {
        metadata: { name: 'istio-sidecar-injector', labels: { app: 'sidecar-injector' } },
        webhooks: [
          {
            name: 'rev.namespace.sidecar-injector.istio.io',
            admissionReviewVersions: ['v1'],
            sideEffects: 'None',
            clientConfig: service(CP, 'istiod'),
            rules: [{ operations: ['*'], resources: ['*'] }],
          },
          {
            name: 'url.sidecar-injector.istio.io',
            admissionReviewVersions: ['v1'],
            sideEffects: 'None',
            clientConfig: { url: 'https://istiod.example:15017/inject' },
          },
        ],
      },
      {
        metadata: { name: 'cert-manager-webhook' },
        webhooks: [
          {
            name: 'webhook.cert-manager.io',
            admissionReviewVersions: ['v1'],
            sideEffects: 'None',
            clientConfig: service('cert-manager', 'cert-manager-webhook'),
            rules: [{ operations: ['CREATE'], resources: ['certificates'] }],
          },
        ],
      },
      {
        metadata: { name: 'pod-deleter' },
        webhooks: [
          {
            name: 'deleter.example.com',
            admissionReviewVersions: ['v1'],
            sideEffects: 'None',
            clientConfig: service('ops', 'deleter'),
            rules: [{ operations: ['DELETE'], resources: ['pods'] }],
          },
        ],
      },
    ];
    const validating: V1ValidatingWebhookConfiguration[] = [
      { metadata: { name: 'istiod-default-validator', labels: { app: 'istiod' } } },
      { metadata: { name: 'rev-validator', labels: { 'istio.io/rev': '1-27-3' } } },
      { metadata: { name: 'kyverno-policy' } },
    ];
    const inventory = inventoryOf(lists({ mutatingWebhooks: mutating, validatingWebhooks: validating }), AT);
    expect(inventory.webhooks).toEqual([
      {
        kind: 'mutating',
        name: 'cert-manager-webhook',
        istio: false,
        targetsPods: false,
        services: [{ namespace: 'cert-manager', name: 'cert-manager-webhook' }],
      },
      {
        kind: 'mutating',
        name: 'istio-sidecar-injector',
        istio: true,
        targetsPods: true,
        services: [{ namespace: CP, name: 'istiod' }],
      },
      {
        kind: 'mutating',
        name: 'pod-deleter',
        istio: false,
        targetsPods: false,
        services: [{ namespace: 'ops', name: 'deleter' }],
      },
      {
        kind: 'mutating',
        name: 'vault-agent-injector',
        istio: false,
        targetsPods: true,
        services: [{ namespace: 'vault', name: 'vault-agent-injector-svc' }],
      },
      { kind: 'validating', name: 'istiod-default-validator', istio: true, targetsPods: false, services: [] },
      { kind: 'validating', name: 'kyverno-policy', istio: false, targetsPods: false, services: [] },
      { kind: 'validating', name: 'rev-validator', istio: true, targetsPods: false, services: [] },
    ]);
  });
});

describe('what a revert left: the istio-upgrade.io/reverted annotation', () => {
  const value = {
    upgrade: 'istio-upgrade-prod',
    from: '1-27-3',
    to: 'default',
    reason: 'alice: reviews-v2 fails its smoke test on 1.27',
    at: '2026-12-04T21:10:00.000Z',
  };
  const reverted = { 'istio-upgrade.io/reverted': JSON.stringify(value) };

  it('reads the mark on a Namespace, and leaves namespaces without one as they were', () => {
    const namespaces = [
      keep.namespace({
        metadata: { name: 'bookinfo', labels: { 'istio-injection': 'enabled' }, annotations: reverted },
      }),
      keep.namespace({ metadata: { name: 'shop', labels: { 'istio.io/rev': '1-27-3' }, annotations: { note: 'x' } } }),
    ];
    expect(inventoryOf(lists({ namespaces }), AT).namespaces).toEqual([
      { name: 'bookinfo', labels: { 'istio-injection': 'enabled' }, reverted: value },
      { name: 'shop', labels: { 'istio.io/rev': '1-27-3' } },
    ]);
  });

  it('reads the mark on a workload Deployment pinned by its pod label, and keeps no other annotation of it', () => {
    const billing = deployment('legacy', 'billing', {
      annotations: { ...reverted, 'deployment.kubernetes.io/revision': '4' },
      podLabels: { app: 'billing', 'istio.io/rev': 'default' },
    });
    expect(billing.metadata?.annotations).toEqual(reverted);
    const [info] = inventoryOf(lists({ deployments: [billing, deployment('legacy', 'cron')] }), AT).deployments;
    expect(info).toMatchObject({ name: 'billing', podLabels: { 'istio.io/rev': 'default' }, reverted: value });
    expect(inventoryOf(lists({ deployments: [deployment('legacy', 'cron')] }), AT).deployments[0]).not.toHaveProperty(
      'reverted',
    );
  });

  it('still marks an object whose annotation is not the JSON a revert writes, saying so, and bounds a long reason', () => {
    const [garbled] = inventoryOf(
      lists({
        namespaces: [
          keep.namespace({ metadata: { name: 'bookinfo', annotations: { 'istio-upgrade.io/reverted': 'yes' } } }),
        ],
      }),
      AT,
    ).namespaces;
    expect(garbled?.reverted).toEqual({
      upgrade: '',
      from: '',
      to: '',
      reason: 'unreadable istio-upgrade.io/reverted annotation (expected JSON with upgrade, from, to, reason, at)',
      at: '',
    });
    const long = keep.namespace({
      metadata: {
        name: 'bookinfo',
        annotations: { 'istio-upgrade.io/reverted': JSON.stringify({ ...value, reason: 'x'.repeat(5_000), to: 7 }) },
      },
    });
    expect(long.reverted?.reason).toHaveLength(501);
    expect(long.reverted?.to).toBe('');
    expect(long.reverted?.upgrade).toBe('istio-upgrade-prod');
  });
});
