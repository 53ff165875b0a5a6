/**
 * The latest patch of each Istio minor that the project knew when it was shipped. In-place
 * upgrades that cross several minors use these for the intermediate hops, unless the spec names
 * the patch (`version.intermediate`), which always wins. Update this table when Istio releases a
 * patch: a stale entry still upgrades safely, just not to the newest patch of that minor.
 */
export const LATEST_PATCHES: Readonly<Record<string, string>> = {
  '1.20': '1.20.8',
  '1.21': '1.21.6',
  '1.22': '1.22.8',
  '1.23': '1.23.6',
  '1.24': '1.24.6',
  '1.25': '1.25.5',
  '1.26': '1.26.4',
  '1.27': '1.27.3',
  '1.28': '1.28.0',
};
