/**
 * Helm 3 keeps each release revision in a Secret `sh.helm.release.v1.<name>.v<N>` labelled
 * owner=helm. The stand-in and the scenario seed store releases the same way (as JSON rather
 * than Helm's gzip), so `helm list` finds a Helm-installed mesh where Helm would.
 */
import type { KubeObject } from '../api/object.js';

export interface HelmRelease {
  name: string;
  namespace: string;
  chart: string;
  version: string;
  revision: number;
  /** `pending-*` while an operation runs: a helm killed mid-upgrade leaves it so, and helm refuses the next upgrade. */
  status:
    'deployed' | 'superseded' | 'failed' | 'uninstalled' | 'pending-install' | 'pending-upgrade' | 'pending-rollback';
  /** `--description` of the operation, else helm's own ("Install complete"). */
  description?: string;
  values: Record<string, unknown>;
  updated: string;
}

export function releaseSecret(r: HelmRelease): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: `sh.helm.release.v1.${r.name}.v${r.revision}`,
      namespace: r.namespace,
      labels: { owner: 'helm', name: r.name, status: r.status, version: String(r.revision) },
    },
    type: 'helm.sh/release.v1',
    data: { release: Buffer.from(JSON.stringify(r)).toString('base64') },
  };
}

export function releaseFromSecret(secret: KubeObject): HelmRelease | undefined {
  const data = (secret.data as Record<string, string> | undefined)?.release;
  if (!data) return undefined;
  try {
    return JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as HelmRelease;
  } catch {
    return undefined;
  }
}
