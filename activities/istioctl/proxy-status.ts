/**
 * Parses `istioctl proxy-status`. Its columns changed across releases (xDS types became
 * SUBSCRIBED TYPES in 1.26), so columns are found by their header, not their position.
 */
export interface ProxyStatusRow {
  /** `pod.namespace` as istioctl prints it. */
  name: string;
  pod: string;
  namespace: string;
  istiod: string | null;
  version: string | null;
  /** Every xDS column that is present reads SYNCED (or IGNORED/NOT SENT, which are not lag). */
  synced: boolean;
}

const SYNC_COLUMNS = ['CDS', 'LDS', 'EDS', 'RDS', 'ECDS'];
const NOT_LAGGING = new Set(['SYNCED', 'IGNORED', 'NOT SENT', '-']);

/** Splits on runs of two or more spaces, as the table is padded (cells such as "NOT SENT" hold one). */
function cells(line: string): string[] {
  return line.trim().split(/\s{2,}/);
}

export function parseProxyStatus(output: string): ProxyStatusRow[] {
  const lines = output.split('\n').filter((l) => l.trim() !== '');
  const headerIndex = lines.findIndex((l) => /^\s*NAME\s/.test(l));
  if (headerIndex < 0) return [];
  const header = cells(lines[headerIndex] ?? '');
  const col = (name: string) => header.indexOf(name);
  const syncCols = SYNC_COLUMNS.map(col).filter((i) => i >= 0);
  return lines.slice(headerIndex + 1).map((line) => {
    const row = cells(line);
    const name = row[0] ?? '';
    const dot = name.lastIndexOf('.');
    const at = (i: number) => (i >= 0 ? (row[i] ?? null) : null);
    return {
      name,
      pod: dot > 0 ? name.slice(0, dot) : name,
      namespace: dot > 0 ? name.slice(dot + 1) : '',
      istiod: at(col('ISTIOD')),
      version: at(col('VERSION')),
      synced: syncCols.every((i) => NOT_LAGGING.has((row[i] ?? '').replace(/\s*\(.*\)$/, ''))),
    };
  });
}
