/**
 * Tables laid out like Go's text/tabwriter, which istioctl and helm print with: every column but
 * the last is padded to its widest cell plus `padding` spaces; the last is never padded.
 */
export function tabwrite(rows: readonly (readonly string[])[], padding: number): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return (
    rows
      .map((row) =>
        row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd((widths[i] ?? 0) + padding))).join(''),
      )
      .join('\n') + (rows.length ? '\n' : '')
  );
}
