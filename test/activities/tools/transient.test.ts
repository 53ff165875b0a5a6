import { describe, expect, it } from 'vitest';
import { transientReason } from '../../../activities/tools/transient.js';

const CASES: [string, string | null][] = [
  [
    'Error: failed to get resource: Get "https://10.0.0.1:6443/api/v1/namespaces/istio-system": dial tcp 10.0.0.1:6443: connect: connection refused',
    'connection refused',
  ],
  ['Error: the server has received too many requests and has asked us to try again later', '429 too many requests'],
  ['Error: etcdserver: leader changed', 'etcd leader change'],
  [
    'Error: UPGRADE FAILED: the server is currently unable to handle the request (get deployments.apps istiod)',
    '503 service unavailable',
  ],
  ['Error: Internal error occurred: resource quota evaluation timed out', '500 internal error'],
  ['Error: Get "https://api:6443/version": dial tcp 10.0.0.1:6443: i/o timeout', 'i/o timeout'],
  [
    'Error: an error on the server ("upstream connect error") has prevented the request from succeeding',
    '500 server error',
  ],
  ['Error: deployments.apps "istiod" is forbidden: User "worker" cannot patch resource', null],
  ['Error: unknown flag: --revison', null],
  ['Error: admission webhook "validation.istio.io" denied the request: invalid', null],
  ['Error: release: not found', null],
];

describe('telling a transient tool failure from a final one', () => {
  it.each(CASES)('%s → %s', (stderr, reason) => {
    expect(transientReason(stderr)).toBe(reason);
  });
});
