import { X509Certificate, createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '../../../sim/api/tls.js';

describe("the simulator's self-signed certificate", () => {
  // The serial number is random; an encoding that is wrong for 1 serial in 128 once failed CI.
  it('parses every time, as a CA for 127.0.0.1 and localhost', () => {
    for (let i = 0; i < 500; i++) {
      const { certPem, keyPem } = selfSignedCertificate();
      const cert = new X509Certificate(certPem);
      expect(cert.ca).toBe(true);
      expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
      expect(cert.checkHost('localhost')).toBe('localhost');
      expect(cert.checkPrivateKey(createPrivateKey(keyPem))).toBe(true);
    }
  });
});
