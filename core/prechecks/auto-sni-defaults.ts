/**
 * Catches an upgrade across 1.21, which turns on SNI and server-certificate verification for
 * upstream TLS: DestinationRules that relied on neither start failing after istiod rolls. It warns
 * unless the old defaults are pinned, and then names what pins them.
 */
import { hopInto } from './precheck.js';
import type { Precheck } from './precheck.js';

/**
 * The flags istiod reads. The 1.21 upgrade notes abbreviate the second as
 * `VERIFY_CERT_AT_CLIENT`; istiod's feature flag, and what `compatibilityVersion: 1.20` sets to
 * false, is `VERIFY_CERTIFICATE_AT_CLIENT`.
 * https://istio.io/latest/docs/reference/commands/pilot-discovery/ (environment variables)
 */
const FLAGS = ['ENABLE_AUTO_SNI', 'VERIFY_CERTIFICATE_AT_CLIENT'] as const;
const SOURCE = 'https://istio.io/latest/news/releases/1.21.x/announcing-1.21/upgrade-notes/';

/**
 * 1.21 turns on ENABLE_AUTO_SNI and VERIFY_CERTIFICATE_AT_CLIENT: upstream TLS gains SNI and
 * server certificates are verified, which breaks DestinationRules that relied on neither. Flags
 * set explicitly, or a compatibilityVersion of 1.20 or older, keep the old behaviour.
 */
export const autoSniDefaults: Precheck = {
  id: 'auto-sni-defaults',
  title: '1.21 turns on ENABLE_AUTO_SNI and VERIFY_CERTIFICATE_AT_CLIENT',
  run(input) {
    const hop = hopInto(input, 1, 21);
    if (hop === null) return [];
    const pinned = input.context.inventory.controlPlane.revisions.flatMap((revision) => [
      ...FLAGS.flatMap((flag) => {
        const value = revision.istiodEnv[flag] ?? revision.meshConfig?.proxyMetadata[flag];
        return value === undefined ? [] : [`revision ${revision.name}: ${flag}=${value}`];
      }),
      ...(revision.compatibilityVersion !== null && Number(revision.compatibilityVersion.split('.')[1]) <= 20
        ? [`revision ${revision.name}: compatibilityVersion ${revision.compatibilityVersion}`]
        : []),
    ]);
    return [
      {
        check: 'auto-sni-defaults',
        severity: pinned.length > 0 ? 'info' : 'warn',
        message:
          pinned.length > 0
            ? 'These flags are set explicitly, so the 1.21 default change does not apply to them'
            : 'From 1.21 upstream TLS sends SNI and verifies server certificates by default; DestinationRules with TLS and no caCertificates may start failing',
        evidence:
          pinned.length > 0 ? pinned : ['istiod env: neither ENABLE_AUTO_SNI nor VERIFY_CERTIFICATE_AT_CLIENT set'],
        remedy:
          'Give TLS DestinationRules caCertificates (or insecureSkipVerify deliberately), or keep the old defaults with compatibilityVersion 1.20 while fixing them',
        hop,
        source: SOURCE,
      },
    ];
  },
};
