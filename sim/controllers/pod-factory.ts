/**
 * Pods from a template, named and labelled the way the real controllers do
 * (`reviews-v2-5f7b9c8d4-x2k9q`, `pod-template-hash`), so tools that parse names or select by
 * hash behave as on a cluster.
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from '../api/object.js';
import { clone } from '../api/object.js';
import { randomSuffix } from '../api/store.js';
import { ownerRef, type Pod, type PodTemplate } from './shapes.js';

const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** A stable 10-character hash of a pod template, in Kubernetes' safe alphabet. */
export function templateHash(template: PodTemplate): string {
  const digest = createHash('sha256').update(JSON.stringify(template)).digest();
  let s = '';
  for (let i = 0; i < 10; i++) s += ALPHABET[(digest[i] ?? 0) % ALPHABET.length];
  return s;
}

export function podFromTemplate(
  owner: KubeObject,
  template: PodTemplate,
  opts: { name: string; labels?: Record<string, string>; nodeName?: string },
): Pod {
  const t = clone(template);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: opts.name,
      namespace: owner.metadata.namespace,
      labels: { ...t.metadata?.labels, ...opts.labels },
      annotations: { ...t.metadata?.annotations },
      ownerReferences: [ownerRef(owner)],
    },
    spec: { ...t.spec, ...(opts.nodeName ? { nodeName: opts.nodeName } : {}) },
  };
}

export function podName(prefix: string): string {
  return `${prefix}-${randomSuffix()}`;
}
