import { describe, expect, it } from 'vitest';
import { redact, redactArgs } from '../../activities/redact.js';

describe('redact', () => {
  it('removes bearer tokens, kubeconfig secrets and PEM blocks', () => {
    const text = [
      'Authorization: Bearer abc.def-123',
      'token: s3cr3t',
      '"client-key-data":"LS0tLS1CRUdJTi"',
      '-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----',
      'password=hunter2',
    ].join('\n');
    const out = redact(text);
    for (const secret of ['abc.def-123', 's3cr3t', 'LS0tLS1CRUdJTi', 'MIIE', 'hunter2']) expect(out).not.toContain(secret);
    expect(out).toContain('Authorization: Bearer [REDACTED]');
  });

  it('leaves ordinary text alone', () => {
    expect(redact('deployment bookinfo/reviews-v2 has 4/6 replicas updated')).toBe('deployment bookinfo/reviews-v2 has 4/6 replicas updated');
  });

  it('redacts secret flags in argument lists', () => {
    expect(redactArgs(['install', '--token', 'abc', '--password=xyz', '--revision', '1-28'])).toEqual([
      'install',
      '--token',
      '[REDACTED]',
      '--password=[REDACTED]',
      '--revision',
      '1-28',
    ]);
  });
});
