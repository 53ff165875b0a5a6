import { describe, expect, it } from 'vitest';
import type { Inventory } from '../../../core/inventory.js';
import { summarizeMeshConfig } from '../../../core/mesh-config.js';
import { planUpgrade } from '../../../core/plan/upgrade.js';
import type { Finding } from '../../../core/prechecks/finding.js';
import type { SpecInput } from '../../../core/spec/schema.js';
import { cluster, revision, spec } from '../fixtures/cluster.js';

const helm = (strategy: 'in-place' | 'revision' = 'revision'): SpecInput['install'] => ({ method: 'helm', mode: 'sidecar', strategy });

function findings(inventory: Inventory, target = '1.28.0', install = helm()): Finding[] {
  return planUpgrade(spec({ install, version: { target } }), inventory).findings;
}

function only(inventory: Inventory, check: string, target?: string, install?: SpecInput['install']): Finding[] {
  return findings(inventory, target, install).filter((finding) => finding.check === check);
}

describe('precheck catalog', () => {
  it('finds nothing on a healthy cluster going 1.27.3 to 1.28.0', () => {
    expect(findings(cluster())).toEqual([]);
  });

  it('warns that native sidecars arrive in 1.27 when a foreign webhook edits pods, and lists pods that opt out', () => {
    const inventory = cluster({ version: '1.26.4' });
    inventory.webhooks.push({ kind: 'mutating', name: 'vault-agent-injector', istio: false, targetsPods: true, services: [] });
    const first = inventory.deployments[0];
    if (first) first.podAnnotations['sidecar.istio.io/nativeSidecar'] = 'false';
    expect(only(inventory, 'native-sidecars', '1.27.3').map(({ severity, evidence }) => ({ severity, evidence }))).toEqual([
      { severity: 'warn', evidence: ['MutatingWebhookConfiguration/vault-agent-injector'] },
      { severity: 'info', evidence: ['Deployment bookinfo/details-v1'] },
    ]);
    expect(only(inventory, 'native-sidecars', '1.26.5', helm('in-place'))).toEqual([]);
  });

  it('blocks Lightstep and OpenCensus tracing across 1.27: tracing would silently stop', () => {
    const inventory = cluster({ version: '1.26.4' });
    inventory.controlPlane.revisions = [
      revision('default', '1.26.4', { meshConfig: summarizeMeshConfig({ extensionProviders: [{ name: 'ls', lightstep: { service: 'x' } }, { name: 'otel', opentelemetry: { port: 4317 } }] }) }),
    ];
    expect(only(inventory, 'removed-tracing-providers', '1.27.3')).toMatchObject([{ severity: 'block', evidence: ['revision default: extensionProviders ls (lightstep)'] }]);
  });

  it('warns of the 1.21 ENABLE_AUTO_SNI and VERIFY_CERT_AT_CLIENT flips, and only informs when the flags are pinned', () => {
    const inventory = cluster({ version: '1.20.8' });
    expect(only(inventory, 'auto-sni-defaults', '1.21.6')).toMatchObject([{ severity: 'warn' }]);
    inventory.controlPlane.revisions = [revision('default', '1.20.8', { istiodEnv: { ENABLE_AUTO_SNI: 'false' } })];
    expect(only(inventory, 'auto-sni-defaults', '1.21.6')).toMatchObject([{ severity: 'info', evidence: ['revision default: ENABLE_AUTO_SNI=false'] }]);
  });

  it('warns about compatibilityVersion in use and blocks when the target no longer offers it', () => {
    const inventory = cluster();
    inventory.controlPlane.revisions = [revision('default', '1.27.3', { compatibilityVersion: '1.26' })];
    expect(only(inventory, 'compatibility-version')).toMatchObject([{ severity: 'warn' }]);
    // 1.25 reached end of life before 1.28 shipped, and its compatibility version went with it.
    inventory.controlPlane.revisions = [revision('default', '1.27.3', { compatibilityVersion: '1.25' })];
    expect(only(inventory, 'compatibility-version')).toMatchObject([{ severity: 'block', evidence: ['revision default: compatibilityVersion 1.25'] }]);
  });

  it('warns about a namespace with both istio-injection and istio.io/rev', () => {
    const inventory = cluster({ bookinfoLabels: { 'istio-injection': 'enabled', 'istio.io/rev': '1-27-3' } });
    expect(only(inventory, 'injection-label-conflict')).toMatchObject([{ severity: 'warn', evidence: ['Namespace bookinfo: istio-injection=enabled, istio.io/rev=1-27-3'] }]);
  });

  it('blocks an in-place upgrade while proxies are already two minors behind, and only warns for a canary', () => {
    const inventory = cluster();
    const proxy = inventory.deployments[2]?.proxies[0];
    if (proxy) proxy.version = '1.25.2';
    expect(only(inventory, 'proxies-behind', '1.28.0', helm('in-place'))).toMatchObject([{ severity: 'block', evidence: ['Pod bookinfo/ratings-v1-7d4f9c-abcde at 1.25.2'] }]);
    expect(only(inventory, 'proxies-behind')).toMatchObject([{ severity: 'warn' }]);
  });

  it('blocks a pod webhook whose Service is gone', () => {
    const inventory = cluster();
    inventory.webhooks.push({ kind: 'mutating', name: 'istio-sidecar-injector-1-24-1', istio: true, targetsPods: true, services: [{ namespace: 'istio-system', name: 'istiod-1-24-1' }] });
    expect(only(inventory, 'dangling-webhooks')).toMatchObject([
      { severity: 'block', evidence: ['MutatingWebhookConfiguration/istio-sidecar-injector-1-24-1', 'Service istio-system/istiod-1-24-1 (missing)'] },
    ]);
  });

  it('warns before an in-place upgrade of a single istiod without a PodDisruptionBudget, not before a canary', () => {
    const inventory = cluster();
    inventory.controlPlane.revisions = [revision('default', '1.27.3', { istiodReplicas: 1, hasPodDisruptionBudget: false })];
    expect(only(inventory, 'istiod-availability', '1.28.0', helm('in-place'))[0]?.evidence).toEqual([
      'istiod of revision default in istio-system: 1 replica',
      'revision default: no PodDisruptionBudget selects istiod',
    ]);
    expect(only(inventory, 'istiod-availability')).toEqual([]);
  });

  it('blocks when Sail discovery selectors miss istio-system or bookinfo', () => {
    const inventory = cluster({ sail: 'InPlace' });
    if (inventory.sail?.istio) inventory.sail.istio.discoverySelectors = [{ matchLabels: { mesh: 'prod' } }];
    const install = { method: 'sail', mode: 'sidecar', strategy: 'in-place' } as const;
    expect(only(inventory, 'sail-discovery-selectors', '1.28.0', install)[0]?.evidence).toEqual([
      'Namespace bookinfo (Istio default spec.values.meshConfig.discoverySelectors)',
      'Namespace istio-ingress (Istio default spec.values.meshConfig.discoverySelectors)',
      'Namespace istio-system (Istio default spec.values.meshConfig.discoverySelectors)',
    ]);
  });

  it('warns about a revision tag already pointing at a revision that does not run', () => {
    const inventory = cluster({ tags: [{ name: 'canary', revision: '1-26-0' }] });
    expect(only(inventory, 'dangling-revision-tags')).toMatchObject([{ severity: 'warn', evidence: ['tag canary -> 1-26-0'] }]);
  });

  it('blocks when the spec says helm but Istio was installed with istioctl, or says ambient without ztunnel', () => {
    const inventory = cluster({ installer: 'istioctl' });
    expect(only(inventory, 'install-mismatch', '1.28.0', { method: 'helm', mode: 'ambient', strategy: 'revision' }).map((finding) => finding.message)).toEqual([
      'The spec says install.method helm but Istio looks installed with istioctl',
      'The spec says mode ambient but no ztunnel DaemonSet runs',
    ]);
  });

  it('blocks when ztunnel already trails the control plane by two minors', () => {
    const inventory = cluster({ ambient: true });
    if (inventory.ztunnel) inventory.ztunnel.version = '1.25.5';
    expect(only(inventory, 'data-plane-skew', '1.28.0', { method: 'helm', mode: 'ambient', strategy: 'in-place' })).toMatchObject([
      { severity: 'block', evidence: ['DaemonSet istio-system/ztunnel at 1.25.5: 1.25.5 is 2 minors behind the control plane at 1.27.3 (at most one is supported)'] },
    ]);
  });

  it('lists block findings before warnings before information', () => {
    const inventory = cluster({ version: '1.26.4', installer: 'istioctl' });
    inventory.webhooks.push({ kind: 'mutating', name: 'vault-agent-injector', istio: false, targetsPods: true, services: [] });
    expect(findings(inventory, '1.27.3').map((finding) => finding.severity)).toEqual(['block', 'warn']);
  });
});
