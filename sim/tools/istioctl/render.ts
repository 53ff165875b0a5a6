/**
 * The objects an istioctl install of one revision consists of, from the sim's shared manifest
 * builders: istiod and its webhook, ConfigMap and Service; the ingress gateway for the
 * revision-less `default`/`demo` profiles; istio-cni and ztunnel for `ambient`, unless the
 * IstioOperator switches them off (`components.cni.enabled: false`), as istioctl renders nothing
 * for a disabled component.
 */
import type { KubeObject } from '../../api/object.js';
import { controlPlaneObjects, gatewayObjects, nodeAgentDaemonSet } from '../../istio/manifests.js';
import type { Workload } from '../kube/rollout.js';
import type { InstallSettings } from './install-settings.js';
import { pointZtunnelAt } from './ztunnel-revision.js';

export type Component = 'Istio core' | 'Istiod' | 'Ingress gateways' | 'CNI' | 'Ztunnel';

export interface RenderedPart {
  component: Component;
  objects: KubeObject[];
}

export const INGRESS_GATEWAY = 'istio-ingressgateway';

interface ContainerView {
  name: string;
  env?: Array<{ name: string; value: string }>;
}

/** values.pilot.env lands in istiod's environment, where the injector reads it back. */
function withPilotEnv(o: KubeObject, env: Record<string, string>): KubeObject {
  if (o.kind !== 'Deployment' || Object.keys(env).length === 0) return o;
  const containers = (o.spec as { template: { spec: { containers: ContainerView[] } } }).template.spec.containers;
  for (const c of containers) {
    if (c.name !== 'discovery') continue;
    const rest = (c.env ?? []).filter((e) => !(e.name in env));
    c.env = [...rest, ...Object.entries(env).map(([name, value]) => ({ name, value }))];
  }
  return o;
}

export function renderInstall(s: InstallSettings, version: string): RenderedPart[] {
  const ambient = s.profile === 'ambient';
  const cp = controlPlaneObjects({
    revision: s.revision,
    version,
    namespace: s.namespace,
    installer: 'istioctl',
    ambient,
    ...(s.compatibilityVersion === undefined ? {} : { compatibilityVersion: s.compatibilityVersion }),
    ...(s.meshConfig === undefined ? {} : { meshConfig: s.meshConfig }),
  }).map((o) => withPilotEnv(o, s.pilotEnv));
  const parts: RenderedPart[] = [
    { component: 'Istio core', objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: s.namespace } }] },
    { component: 'Istiod', objects: cp },
  ];
  if (s.components.cni)
    parts.push({ component: 'CNI', objects: [nodeAgentDaemonSet('istio-cni', s.namespace, version, 'istioctl')] });
  if (s.components.ztunnel) {
    parts.push({
      component: 'Ztunnel',
      objects: [
        pointZtunnelAt(nodeAgentDaemonSet('ztunnel', s.namespace, version, 'istioctl'), s.ztunnelRevision, s.namespace),
      ],
    });
  }
  // A revisioned install leaves gateways alone: they are moved to a revision separately, and
  // rendering one here would take over the existing `istio-ingressgateway`.
  if ((s.profile === 'default' || s.profile === 'demo') && s.revision === 'default') {
    parts.push({
      component: 'Ingress gateways',
      objects: gatewayObjects({
        name: INGRESS_GATEWAY,
        namespace: s.namespace,
        replicas: 1,
        revision: 'default',
        installer: 'istioctl',
        stampedVersion: version,
      }),
    });
  }
  return parts;
}

export function workloadsOf(parts: readonly RenderedPart[]): Workload[] {
  return parts.flatMap((p) =>
    p.objects.flatMap((o): Workload[] =>
      o.kind === 'Deployment' || o.kind === 'DaemonSet'
        ? [{ kind: o.kind, namespace: o.metadata.namespace ?? '', name: o.metadata.name }]
        : [],
    ),
  );
}
