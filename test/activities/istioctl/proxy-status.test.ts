import { describe, expect, it } from 'vitest';
import { parseProxyStatus } from '../../../activities/istioctl/proxy-status.js';
import { sameVersion } from '../../../activities/istioctl/activities.js';
import { parsePrecheck } from '../../../activities/istioctl/precheck.js';

describe('istioctl proxy-status', () => {
  it('reads the pre-1.26 table with xDS columns', () => {
    const out = [
      'NAME                                CLUSTER        CDS        LDS        EDS        RDS          ECDS         ISTIOD                      VERSION',
      'reviews-v2-7d5b8.bookinfo          Kubernetes     SYNCED     SYNCED     SYNCED     SYNCED       NOT SENT     istiod-1-25-5d9f-abc        1.25.2',
      'ratings-v1-59bb.bookinfo           Kubernetes     SYNCED     STALE      SYNCED     SYNCED       NOT SENT     istiod-1-25-5d9f-abc        1.25.2',
    ].join('\n');
    expect(parseProxyStatus(out)).toEqual([
      {
        name: 'reviews-v2-7d5b8.bookinfo',
        pod: 'reviews-v2-7d5b8',
        namespace: 'bookinfo',
        istiod: 'istiod-1-25-5d9f-abc',
        version: '1.25.2',
        synced: true,
      },
      {
        name: 'ratings-v1-59bb.bookinfo',
        pod: 'ratings-v1-59bb',
        namespace: 'bookinfo',
        istiod: 'istiod-1-25-5d9f-abc',
        version: '1.25.2',
        synced: false,
      },
    ]);
  });

  it('reads the 1.26+ table by header names', () => {
    const out = [
      'NAME                       CLUSTER        ISTIOD                VERSION     SUBSCRIBED TYPES',
      'productpage-v1-1.bookinfo  Kubernetes     istiod-1-28-x-y       1.28.0      4 (CDS,LDS,EDS,RDS)',
    ].join('\n');
    expect(parseProxyStatus(out)[0]).toMatchObject({
      pod: 'productpage-v1-1',
      version: '1.28.0',
      istiod: 'istiod-1-28-x-y',
      synced: true,
    });
  });

  it('compares versions by patch or by minor', () => {
    expect(sameVersion('1.28.0', '1.28.0')).toBe(true);
    expect(sameVersion('1.28.0', '1.28')).toBe(true);
    expect(sameVersion('1.28.1', '1.28.0')).toBe(false);
    expect(sameVersion(null, '1.28.0')).toBe(false);
  });
});

describe('istioctl x precheck', () => {
  it('passes with no findings, and lists findings by level and code', () => {
    expect(
      parsePrecheck('✔ No issues found when checking the cluster. Istio is safe to install or upgrade!\n'),
    ).toEqual({ passed: true, findings: [] });
    const out = [
      'Warning [IST0144] (Pod bookinfo/ratings-v1-abc) User ID (UID) 1337 is reserved for the sidecar proxy.',
      'Error: Issues found when checking the cluster. Istio may not be safe to install or upgrade.',
    ].join('\n');
    expect(parsePrecheck(out)).toEqual({
      passed: false,
      findings: [
        {
          level: 'Warning',
          code: 'IST0144',
          message: '(Pod bookinfo/ratings-v1-abc) User ID (UID) 1337 is reserved for the sidecar proxy.',
        },
      ],
    });
  });
});
