/**
 * Kubeconfig files pointing at the sim: clients reach it exactly as they reach a real cluster.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

export function kubeconfigYaml(url: string, caPem: string, user: string, token: string, namespace = 'default'): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'sim', cluster: { server: url, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } },
    ],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: 'sim', context: { cluster: 'sim', user, namespace } }],
    'current-context': 'sim',
    preferences: {},
  });
}

export function writeKubeconfig(dir: string, fileName: string, content: string): string {
  const path = join(dir, fileName);
  writeFileSync(path, content, { mode: 0o600 });
  return path;
}

export function makeTempDir(): string {
  return mkdtempSync(join(tmpdir(), 'istio-sim-'));
}
