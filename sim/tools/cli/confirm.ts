/**
 * The `Proceed? (y/N)` prompt of the real tools. Without a terminal answer (stdin closed or
 * ignored, as under an automation runner) the answer is no, so a forgotten `-y` stops instead of
 * hanging.
 */
import { createInterface } from 'node:readline';

export async function confirm(question: string): Promise<boolean> {
  process.stdout.write(`${question} `);
  if (process.stdin.destroyed) return false;
  const rl = createInterface({ input: process.stdin });
  try {
    const line = await new Promise<string>((resolve) => {
      rl.once('line', resolve);
      rl.once('close', () => resolve(''));
    });
    return /^y(es)?$/i.test(line.trim());
  } finally {
    rl.close();
  }
}
