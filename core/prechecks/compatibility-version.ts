/**
 * Catches revisions installed with `compatibilityVersion`. The upgrade keeps the setting, so a
 * target that no longer offers it would end the old behaviour it preserves all at once (block);
 * a target that still does gets a reminder that the setting is on borrowed time (warn).
 */
import { minorOf, tryParseVersion } from '../version.js';
import type { Finding } from './finding.js';
import type { Precheck } from './precheck.js';

/**
 * How many minors back a release still offers as compatibilityVersion. Istio removes a
 * compatibility version when the release it names reaches end of life, which happens about six
 * weeks after the release two minors later: by the third minor after it, it is gone.
 */
export const COMPATIBILITY_WINDOW = 2;

/** `compatibilityVersion` keeps old behaviour only for a while; the target may no longer know it. */
export const compatibilityVersion: Precheck = {
  id: 'compatibility-version',
  title: 'compatibilityVersion in use, and whether the target still supports it',
  run(input) {
    const { target } = input.context;
    return input.context.inventory.controlPlane.revisions.flatMap((revision): Finding[] => {
      if (revision.compatibilityVersion === null) return [];
      const compat =
        tryParseVersion(`${revision.compatibilityVersion}.0`) ?? tryParseVersion(revision.compatibilityVersion);
      const evidence = [`revision ${revision.name}: compatibilityVersion ${revision.compatibilityVersion}`];
      if (compat === null || target.minor - compat.minor > COMPATIBILITY_WINDOW) {
        return [
          {
            check: 'compatibility-version',
            severity: 'block',
            message: `${minorOf(target)} no longer offers compatibilityVersion ${revision.compatibilityVersion}: the old behaviour it keeps would end abruptly`,
            evidence,
            remedy: `Adopt the new defaults (one compatibility step at a time) before upgrading past ${compat ? `1.${compat.minor + COMPATIBILITY_WINDOW}` : 'it'}`,
          },
        ];
      }
      return [
        {
          check: 'compatibility-version',
          severity: 'warn',
          message: `compatibilityVersion ${revision.compatibilityVersion} keeps old behaviour on ${minorOf(target)}, but only for a limited number of releases`,
          evidence,
          remedy: 'Plan to drop compatibilityVersion; the upgrade keeps it as installed',
        },
      ];
    });
  },
};
