/**
 * Which istiod ztunnel takes its configuration and certificates from, as the ztunnel chart
 * renders it: `XDS_ADDRESS` and `CA_ADDRESS` name the revision's istiod Service, and the
 * DaemonSet carries the revision in its `istio.io/rev` annotation. istioctl hands the install's
 * revision to the chart, so `istioctl install --revision 1-28-0` points ztunnel at istiod-1-28-0;
 * `values.ztunnel.revision` overrides it.
 */
import type { KubeObject } from '../../api/object.js';
import { istiodName } from '../../istio/manifests.js';

export const ISTIOD_XDS_PORT = 15012;

export const istiodAddress = (revision: string, namespace: string): string =>
  `${istiodName(revision)}.${namespace}.svc:${ISTIOD_XDS_PORT}`;

interface ContainerView {
  name: string;
  env?: Array<{ name: string; value: string }>;
}

export function pointZtunnelAt(daemonSet: KubeObject, revision: string, namespace: string): KubeObject {
  const address = istiodAddress(revision, namespace);
  const pointed = { XDS_ADDRESS: address, CA_ADDRESS: address };
  const template = (daemonSet.spec as { template: { spec: { containers: ContainerView[] } } }).template;
  for (const c of template.spec.containers) {
    const rest = (c.env ?? []).filter((e) => !(e.name in pointed));
    c.env = [...rest, ...Object.entries(pointed).map(([name, value]) => ({ name, value }))];
  }
  if (revision !== 'default')
    daemonSet.metadata.annotations = { ...daemonSet.metadata.annotations, 'istio.io/rev': revision };
  return daemonSet;
}
