import type { Precheck } from './precheck.js';
import { crosses } from './precheck.js';

const FLAGS = ['ENABLE_AUTO_SNI', 'VERIFY_CERT_AT_CLIENT'] as const;

/**
 * 1.21 turns on ENABLE_AUTO_SNI and VERIFY_CERT_AT_CLIENT: upstream TLS gains SNI and server
 * certificates are verified, which breaks DestinationRules that relied on neither.
 */
export const autoSniDefaults: Precheck = {
  id: 'auto-sni-defaults',
  title: '1.21 turns on ENABLE_AUTO_SNI and VERIFY_CERT_AT_CLIENT',
  run(input) {
    if (!crosses(input, 1, 21)) return [];
    const pinned = input.context.inventory.controlPlane.revisions.flatMap((revision) =>
      FLAGS.flatMap((flag) => {
        const value = revision.istiodEnv[flag] ?? revision.meshConfig?.proxyMetadata[flag];
        return value === undefined ? [] : [`revision ${revision.name}: ${flag}=${value}`];
      }),
    );
    return [
      {
        check: 'auto-sni-defaults',
        severity: pinned.length > 0 ? 'info' : 'warn',
        message:
          pinned.length > 0
            ? 'These flags are set explicitly, so the 1.21 default change does not apply to them'
            : 'From 1.21 upstream TLS sends SNI and verifies server certificates by default; DestinationRules with TLS and no caCertificates may start failing',
        evidence: pinned.length > 0 ? pinned : ['istiod env: neither flag set'],
        remedy: 'Give TLS DestinationRules caCertificates (or insecureSkipVerify deliberately), or keep the old defaults with compatibilityVersion 1.20 while fixing them',
      },
    ];
  },
};
