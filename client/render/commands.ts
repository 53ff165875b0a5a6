/**
 * The exact commands an operator types next. One place, so status, watch, start and the demo
 * print the same lines and a renamed flag changes everywhere at once.
 */
import type { PendingGate } from '../../workflows/messages.js';

/** How the CLI is invoked from a clone: `npx` finds the project's own bin. */
export const CLI = 'npx istio-upgrade';

export function answerCommands(workflowId: string, gate: PendingGate, as = '<you>'): string[] {
  const lines = [
    `${CLI} approve ${workflowId} ${gate.id} --as ${as}`,
    `${CLI} reject ${workflowId} ${gate.id} --as ${as} --comment "why"`,
  ];
  if (gate.kind === 'failure')
    lines.push(`${CLI} retry ${workflowId} --as ${as}`, `${CLI} skip ${workflowId} --as ${as} --comment "why"`);
  if (gate.revert?.offered) lines.push(`${CLI} revert ${workflowId} ${gate.id} --as ${as} --comment "why"`);
  return lines;
}
