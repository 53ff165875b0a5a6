/**
 * Terraform's refusal to run while another operation holds the state lock ("Error acquiring the
 * state lock" and its Lock Info block, from every backend), read from stderr so the failure can
 * name the holder: which lock, who, since when, doing what. Diagnostics come in Terraform's box
 * (`│ ` on each line), which is stripped first.
 */
export interface StateLock {
  id: string;
  who: string;
  created: string;
  operation: string;
  path: string;
}

export function stateLockOf(stderr: string): StateLock | null {
  const text = stderr
    .split('\n')
    .map((line) => line.replace(/^[│╷╵]\s?/, ''))
    .join('\n');
  if (!text.includes('Error acquiring the state lock')) return null;
  const field = (name: string): string => new RegExp(`^\\s*${name}:[ \\t]*(.*)$`, 'm').exec(text)?.[1]?.trim() ?? '';
  return {
    id: field('ID'),
    who: field('Who'),
    created: field('Created'),
    operation: field('Operation'),
    path: field('Path'),
  };
}
