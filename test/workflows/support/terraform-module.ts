/**
 * A Terraform root module that owns a simulated cluster's Istio Helm releases, as a team would
 * keep it: `main.tf.json` (Terraform's JSON syntax, which the stand-in reads) with the version
 * variable, two more variables the history must never show, the helm provider pointed at the
 * cluster's kubeconfig, and a `helm_release` per component; `terraform.tfstate` already holding
 * the releases the cluster runs (as after `terraform import`).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { releaseFromSecret } from '../../../sim/istio/helm-release.js';
import type { SimCluster } from '../../activities/support/sim.js';

/** Values of variables the upgrade must never copy into history. */
export const SECRETS = { teamToken: 'tfvar-team-token-7f3a91', registryPassword: 's3cr3t-registry-pw-22c1' };

export interface ReleaseSpec {
  /** The resource name: `helm_release.<key>`. */
  key: string;
  name: string;
  chart: 'base' | 'istiod' | 'cni' | 'ztunnel';
  /** YAML values documents. */
  values?: string[];
  dependsOn?: string[];
}

export const SIDECAR_RELEASES: ReleaseSpec[] = [
  { key: 'istio_base', name: 'istio-base', chart: 'base' },
  {
    key: 'istiod',
    name: 'istiod',
    chart: 'istiod',
    // A value built from a variable: it reaches the release, never the gate or the history.
    values: ['global:\n  meshID: mesh1\n  teamToken: ${var.team_token}\n'],
    dependsOn: ['helm_release.istio_base'],
  },
];

export const AMBIENT_RELEASES: ReleaseSpec[] = [
  { key: 'istio_base', name: 'istio-base', chart: 'base' },
  {
    key: 'istiod',
    name: 'istiod',
    chart: 'istiod',
    values: ['profile: ambient\n'],
    dependsOn: ['helm_release.istio_base'],
  },
  {
    key: 'istio_cni',
    name: 'istio-cni',
    chart: 'cni',
    values: ['profile: ambient\n'],
    dependsOn: ['helm_release.istiod'],
  },
  { key: 'ztunnel', name: 'ztunnel', chart: 'ztunnel', dependsOn: ['helm_release.istio_cni'] },
];

export interface TerraformModule {
  dir: string;
  state(): {
    serial: number;
    resources: { type: string; name: string; instances: { attributes: Record<string, unknown> }[] }[];
  };
  /** Another run's state lock, as the local backend records it. */
  holdLock(): { id: string; who: string };
  releaseLock(): void;
}

const REPOSITORY = 'https://istio-release.storage.googleapis.com/charts';

export function terraformModule(
  cluster: SimCluster,
  releases: readonly ReleaseSpec[],
  options: { extraState?: Record<string, unknown>[]; variable?: string } = {},
): TerraformModule {
  const dir = mkdtempSync(join(tmpdir(), 'tf-istio-'));
  const variable = options.variable ?? 'istio_version';
  const deployed = new Map(
    cluster.sim
      .list('secrets')
      .filter((secret) => secret.metadata.labels?.owner === 'helm')
      .flatMap((secret) => releaseFromSecret(secret) ?? [])
      .map((release) => [release.name, release]),
  );
  const resource = (r: ReleaseSpec) => ({
    name: r.name,
    namespace: 'istio-system',
    repository: REPOSITORY,
    chart: r.chart,
    version: `\${var.${variable}}`,
    ...(r.values && { values: r.values }),
    ...(r.dependsOn && { depends_on: r.dependsOn }),
  });
  const config = {
    variable: {
      [variable]: { type: 'string', description: 'The Istio version of every chart' },
      team_token: { type: 'string', default: SECRETS.teamToken },
      registry_password: { type: 'string', default: SECRETS.registryPassword, sensitive: true },
    },
    provider: { helm: { kubernetes: { config_path: cluster.sim.kubeconfigPath } } },
    resource: { helm_release: Object.fromEntries(releases.map((r) => [r.key, resource(r)])) },
  };
  writeFileSync(join(dir, 'main.tf.json'), `${JSON.stringify(config, null, 2)}\n`);
  const state = {
    version: 4,
    terraform_version: '1.9.8',
    serial: 7,
    lineage: 'c0ffee00-1111-2222-3333-444455556666',
    outputs: {},
    resources: [
      ...releases.map((r) => {
        const live = deployed.get(r.name);
        if (live === undefined) throw new Error(`the cluster has no Helm release ${r.name} to adopt`);
        return {
          mode: 'managed',
          type: 'helm_release',
          name: r.key,
          provider: 'provider["registry.terraform.io/hashicorp/helm"]',
          instances: [
            {
              schema_version: 1,
              attributes: {
                id: r.name,
                name: r.name,
                namespace: 'istio-system',
                repository: REPOSITORY,
                chart: r.chart,
                version: live.version,
                values: r.values ?? [],
                status: 'deployed',
              },
            },
          ],
        };
      }),
      ...(options.extraState ?? []),
    ],
  };
  writeFileSync(join(dir, 'terraform.tfstate'), `${JSON.stringify(state, null, 2)}\n`);
  const lockPath = join(dir, '.terraform.tfstate.lock.info');
  return {
    dir,
    state: () =>
      JSON.parse(readFileSync(join(dir, 'terraform.tfstate'), 'utf8')) as ReturnType<TerraformModule['state']>,
    holdLock: () => {
      const lock = {
        ID: '5b1c7a2e-9d4f-4e0b-8a61-0f2d3c4b5a69',
        Operation: 'OperationTypeApply',
        Info: '',
        Who: 'dave@ci-runner-7',
        Version: '1.9.8',
        Created: '2026-12-05 04:58:12.123456789 +0000 UTC',
        Path: 'terraform.tfstate',
      };
      writeFileSync(lockPath, JSON.stringify(lock));
      return { id: lock.ID, who: lock.Who };
    },
    // The local backend removes the info file on unlock.
    releaseLock: () => rmSync(lockPath, { force: true }),
  };
}
