import { describe, expect, it } from 'vitest';
import type { Inventory } from '../../../core/inventory.js';
import { summarizeMeshConfig } from '../../../core/mesh-config.js';
import { planUpgrade } from '../../../core/plan/upgrade.js';
import type { Finding } from '../../../core/prechecks/finding.js';
import type { SpecInput } from '../../../core/spec/schema.js';
import { cluster, deployment, revision, spec } from '../fixtures/cluster.js';

const helm = (strategy: 'in-place' | 'revision' = 'revision'): SpecInput['install'] => ({
  method: 'helm',
  mode: 'sidecar',
  strategy,
});

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

  it('reports the native sidecar layout change of 1.27 even with no foreign webhook, warns about a webhook that edits pods, lists pods that opt out', () => {
    const inventory = cluster({ version: '1.26.4' });
    expect(only(inventory, 'native-sidecars', '1.27.3').map(({ severity, hop }) => ({ severity, hop }))).toEqual([
      { severity: 'info', hop: '1.26.4 -> 1.27.3' },
    ]);
    inventory.webhooks.push({
      kind: 'mutating',
      name: 'vault-agent-injector',
      istio: false,
      targetsPods: true,
      services: [],
    });
    const first = inventory.deployments[0];
    if (first) first.podAnnotations['sidecar.istio.io/nativeSidecar'] = 'false';
    expect(
      only(inventory, 'native-sidecars', '1.27.3').map(({ severity, evidence }) => ({ severity, evidence })),
    ).toEqual([
      { severity: 'warn', evidence: ['MutatingWebhookConfiguration/vault-agent-injector'] },
      {
        severity: 'info',
        evidence: ['revision default: neither ENABLE_NATIVE_SIDECARS nor compatibilityVersion 1.26 or older'],
      },
      { severity: 'info', evidence: ['Deployment bookinfo/details-v1'] },
    ]);
    expect(only(inventory, 'native-sidecars', '1.26.5', helm('in-place'))).toEqual([]);
  });

  it.each([
    ['ENABLE_NATIVE_SIDECARS=false (keeps the old layout)', { istiodEnv: { ENABLE_NATIVE_SIDECARS: 'false' } }],
    ['ENABLE_NATIVE_SIDECARS=true (already on)', { istiodEnv: { ENABLE_NATIVE_SIDECARS: 'true' } }],
    ['compatibilityVersion 1.26', { compatibilityVersion: '1.26' }],
  ] as const)('finds nothing about native sidecars when istiod already decided: %s', (_name, overrides) => {
    const inventory = cluster({ version: '1.26.4' });
    inventory.controlPlane.revisions = [revision('default', '1.26.4', { ...overrides })];
    inventory.webhooks.push({
      kind: 'mutating',
      name: 'vault-agent-injector',
      istio: false,
      targetsPods: true,
      services: [],
    });
    expect(only(inventory, 'native-sidecars', '1.27.3')).toEqual([]);
  });

  it('blocks Lightstep and OpenCensus tracing across 1.27: tracing would silently stop', () => {
    const inventory = cluster({ version: '1.26.4' });
    inventory.controlPlane.revisions = [
      revision('default', '1.26.4', {
        meshConfig: summarizeMeshConfig({
          extensionProviders: [
            { name: 'ls', lightstep: { service: 'x' } },
            { name: 'otel', opentelemetry: { port: 4317 } },
          ],
        }),
      }),
    ];
    expect(only(inventory, 'removed-tracing-providers', '1.27.3')).toMatchObject([
      { severity: 'block', evidence: ['revision default: extensionProviders ls (lightstep)'] },
    ]);
  });

  it('warns of the 1.21 ENABLE_AUTO_SNI and VERIFY_CERTIFICATE_AT_CLIENT flips, and only informs when the flags are pinned', () => {
    const inventory = cluster({ version: '1.20.8' });
    expect(only(inventory, 'auto-sni-defaults', '1.21.6')).toMatchObject([{ severity: 'warn' }]);
    inventory.controlPlane.revisions = [revision('default', '1.20.8', { istiodEnv: { ENABLE_AUTO_SNI: 'false' } })];
    expect(only(inventory, 'auto-sni-defaults', '1.21.6')).toMatchObject([
      { severity: 'info', evidence: ['revision default: ENABLE_AUTO_SNI=false'] },
    ]);
  });

  it('reads the flag istiod really reads, VERIFY_CERTIFICATE_AT_CLIENT, not the upgrade notes abbreviation', () => {
    const inventory = cluster({ version: '1.20.8' });
    inventory.controlPlane.revisions = [
      revision('default', '1.20.8', { istiodEnv: { VERIFY_CERTIFICATE_AT_CLIENT: 'false' } }),
    ];
    expect(only(inventory, 'auto-sni-defaults', '1.21.6')).toMatchObject([
      { severity: 'info', evidence: ['revision default: VERIFY_CERTIFICATE_AT_CLIENT=false'] },
    ]);
    inventory.controlPlane.revisions = [
      revision('default', '1.20.8', { istiodEnv: { VERIFY_CERT_AT_CLIENT: 'false' } }),
    ];
    expect(only(inventory, 'auto-sni-defaults', '1.21.6')).toMatchObject([{ severity: 'warn' }]);
  });

  it('runs every hop of a 1.20 to 1.27 chain at the first precheck and names the hop of each finding', () => {
    const inventory = cluster({ version: '1.20.8', ambient: true });
    inventory.controlPlane.revisions = [
      revision('default', '1.20.8', {
        meshConfig: summarizeMeshConfig({ extensionProviders: [{ name: 'ls', lightstep: { service: 'x' } }] }),
      }),
    ];
    const all = findings(inventory, '1.27.3', { method: 'helm', mode: 'ambient', strategy: 'in-place' });
    const byHop = all
      .filter((finding) => finding.hop !== undefined)
      .map((finding) => `${finding.check} ${finding.severity} ${finding.hop ?? ''}`);
    expect(byHop).toEqual([
      'removed-tracing-providers block 1.26.4 -> 1.27.3',
      'upgrade-notes block 1.21.6 -> 1.22.8',
      'auto-sni-defaults warn 1.20.8 -> 1.21.6',
      'upgrade-notes warn 1.23.6 -> 1.24.6',
      'upgrade-notes warn 1.24.6 -> 1.25.5',
      'native-sidecars info 1.26.4 -> 1.27.3',
      'upgrade-notes info 1.23.6 -> 1.24.6',
    ]);
    expect(
      all
        .filter((finding) => finding.check === 'upgrade-notes')
        .every((finding) => finding.source?.startsWith('https://istio.io/latest/news/releases/1.2')),
    ).toBe(true);
  });

  it('has no upgrade notes for a sidecar mesh installed with istioctl going 1.26 to 1.27', () => {
    expect(
      only(cluster({ version: '1.26.4', installer: 'istioctl' }), 'upgrade-notes', '1.27.3', {
        method: 'istioctl',
        mode: 'sidecar',
        strategy: 'in-place',
      }),
    ).toEqual([]);
  });

  it('blocks a Sail target the operator CRD does not list, and resolves an alias in Istio spec.version from the running revision', () => {
    const inventory = cluster({
      version: '1.26.4',
      revision: 'default-v1-26-4',
      sail: 'RevisionBased',
      bookinfoLabels: { 'istio.io/rev': 'default-v1-26-4' },
    });
    if (inventory.sail?.istio) inventory.sail.istio.version = 'v1.26-latest';
    if (inventory.sail) inventory.sail.supportedVersions = ['v1.27.1', 'v1.27-latest', 'v1.26.4'];
    const sail = { method: 'sail', mode: 'sidecar', strategy: 'revision' } as const;
    const plan = planUpgrade(spec({ install: sail, version: { target: '1.27.3' } }), inventory);
    expect(plan.source).toBe('1.26.4');
    expect(
      plan.findings
        .filter((finding) => finding.check === 'sail-version')
        .map(({ severity, message }) => ({ severity, message })),
    ).toEqual([
      {
        severity: 'block',
        message: 'The installed Sail operator does not offer Istio 1.27.3: the Istio resource would be refused',
      },
      {
        severity: 'info',
        message:
          'Istio default has spec.version v1.26-latest, an alias: the plan starts from the version its revision runs, 1.26.4',
      },
    ]);
    expect(only(inventory, 'sail-version', '1.27.1', sail).map((finding) => finding.severity)).toEqual(['info']);
  });

  it('blocks a Sail waypoint bound to the old revision name, not one that follows a tag', () => {
    const inventory = cluster({
      revision: 'default-v1-27-3',
      ambient: true,
      sail: 'RevisionBased',
      bookinfoLabels: { 'istio.io/dataplane-mode': 'ambient', 'istio.io/rev': 'prod' },
      tags: [{ name: 'prod', revision: 'default-v1-27-3' }],
    });
    inventory.gateways.push({
      namespace: 'bookinfo',
      name: 'waypoint',
      kind: 'waypoint',
      revision: 'default-v1-27-3',
      version: '1.27.3',
    });
    inventory.deployments.push({
      ...deployment('bookinfo', 'waypoint', null),
      podLabels: { 'istio.io/rev': 'default-v1-27-3' },
    });
    const install = { method: 'sail', mode: 'ambient', strategy: 'revision' } as const;
    expect(only(inventory, 'waypoint-tags', '1.28.0', install)).toMatchObject([
      { severity: 'block', evidence: ['waypoint bookinfo/waypoint (revision default-v1-27-3)'] },
    ]);
    inventory.deployments[inventory.deployments.length - 1]!.podLabels['istio.io/rev'] = 'prod';
    expect(only(inventory, 'waypoint-tags', '1.28.0', install)).toEqual([]);
  });

  it('warns about compatibilityVersion in use and blocks when the target no longer offers it', () => {
    const inventory = cluster();
    inventory.controlPlane.revisions = [revision('default', '1.27.3', { compatibilityVersion: '1.26' })];
    expect(only(inventory, 'compatibility-version')).toMatchObject([{ severity: 'warn' }]);
    // 1.25 reached end of life before 1.28 shipped, and its compatibility version went with it.
    inventory.controlPlane.revisions = [revision('default', '1.27.3', { compatibilityVersion: '1.25' })];
    expect(only(inventory, 'compatibility-version')).toMatchObject([
      { severity: 'block', evidence: ['revision default: compatibilityVersion 1.25'] },
    ]);
  });

  it('warns about a namespace with both istio-injection and istio.io/rev', () => {
    const inventory = cluster({ bookinfoLabels: { 'istio-injection': 'enabled', 'istio.io/rev': '1-27-3' } });
    expect(only(inventory, 'injection-label-conflict')).toMatchObject([
      { severity: 'warn', evidence: ['Namespace bookinfo: istio-injection=enabled, istio.io/rev=1-27-3'] },
    ]);
  });

  it('blocks an in-place upgrade while proxies are already two minors behind, and only warns for a canary', () => {
    const inventory = cluster();
    const proxy = inventory.deployments[2]?.proxies[0];
    if (proxy) proxy.version = '1.25.2';
    expect(only(inventory, 'proxies-behind', '1.28.0', helm('in-place'))).toMatchObject([
      { severity: 'block', evidence: ['Pod bookinfo/ratings-v1-7d4f9c-abcde at 1.25.2'] },
    ]);
    expect(only(inventory, 'proxies-behind')).toMatchObject([{ severity: 'warn' }]);
  });

  it('blocks a pod webhook whose Service is gone', () => {
    const inventory = cluster();
    inventory.webhooks.push({
      kind: 'mutating',
      name: 'istio-sidecar-injector-1-24-1',
      istio: true,
      targetsPods: true,
      services: [{ namespace: 'istio-system', name: 'istiod-1-24-1' }],
    });
    expect(only(inventory, 'dangling-webhooks')).toMatchObject([
      {
        severity: 'block',
        evidence: [
          'MutatingWebhookConfiguration/istio-sidecar-injector-1-24-1',
          'Service istio-system/istiod-1-24-1 (missing)',
        ],
      },
    ]);
  });

  it('warns before an in-place upgrade of a single istiod without a PodDisruptionBudget, not before a canary', () => {
    const inventory = cluster();
    inventory.controlPlane.revisions = [
      revision('default', '1.27.3', { istiodReplicas: 1, hasPodDisruptionBudget: false }),
    ];
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
    expect(only(inventory, 'dangling-revision-tags')).toMatchObject([
      { severity: 'warn', evidence: ['tag canary -> 1-26-0'] },
    ]);
  });

  it('blocks when the spec says helm but Istio was installed with istioctl, or says ambient without ztunnel', () => {
    const inventory = cluster({ installer: 'istioctl' });
    expect(
      only(inventory, 'install-mismatch', '1.28.0', { method: 'helm', mode: 'ambient', strategy: 'revision' }).map(
        (finding) => finding.message,
      ),
    ).toEqual([
      'The spec says install.method helm but Istio looks installed with istioctl',
      'The spec says mode ambient but no ztunnel DaemonSet runs',
    ]);
  });

  it('blocks when ztunnel already trails the control plane by two minors', () => {
    const inventory = cluster({ ambient: true });
    if (inventory.ztunnel) inventory.ztunnel.version = '1.25.5';
    expect(
      only(inventory, 'data-plane-skew', '1.28.0', { method: 'helm', mode: 'ambient', strategy: 'in-place' }),
    ).toMatchObject([
      {
        severity: 'block',
        evidence: [
          'DaemonSet istio-system/ztunnel at 1.25.5: 1.25.5 is 2 minors behind the control plane at 1.27.3 (at most one is supported)',
        ],
      },
    ]);
  });

  it('lists block findings before warnings before information', () => {
    const inventory = cluster({ version: '1.26.4', installer: 'istioctl' });
    inventory.webhooks.push({
      kind: 'mutating',
      name: 'vault-agent-injector',
      istio: false,
      targetsPods: true,
      services: [],
    });
    expect(findings(inventory, '1.27.3').map((finding) => finding.severity)).toEqual(['block', 'warn', 'info']);
  });
});
