/**
 * `approve`, `reject` and `status`: answer a gate of a running upgrade and see where it is.
 * Answers go through the `decide` Update, so the operator learns at once whether the workflow
 * accepted them and why not; a refused answer changes nothing.
 */
import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { Connection, WorkflowClient, WorkflowUpdateFailedError } from '@temporalio/client';
import type { Command } from 'commander';
import { decideUpdate, statusQuery } from '../../workflows/messages.js';
import type { GateVerdict, UpgradeStatus } from '../../workflows/messages.js';
import { temporalTarget } from '../connection.js';
import { EXIT } from '../exit-codes.js';

async function withWorkflowClient<T>(fn: (client: WorkflowClient) => Promise<T>): Promise<T> {
  const target = temporalTarget();
  const connection = await Connection.connect(target.connectionOptions);
  try {
    return await fn(new WorkflowClient({ connection, namespace: target.namespace }));
  } finally {
    await connection.close();
  }
}

interface AnswerOptions {
  as: string;
  comment?: string;
  requestId: string;
}

async function answer(verdict: GateVerdict, workflowId: string, gateId: string, options: AnswerOptions): Promise<void> {
  await withWorkflowClient(async (client) => {
    try {
      const decision = await client.getHandle(workflowId).executeUpdate(decideUpdate, {
        args: [{ gateId, by: options.as, requestId: options.requestId, decision: verdict, ...(options.comment && { comment: options.comment }) }],
      });
      console.log(`gate "${decision.gateId}" ${decision.outcome} by ${decision.by ?? 'nobody'} at ${decision.at}`);
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) {
        console.error(`refused: ${err.cause?.message ?? err.message}`);
        process.exitCode = EXIT.invalidInput;
        return;
      }
      throw err;
    }
  });
}

export function renderStatus(workflowId: string, status: UpgradeStatus): string {
  const lines = [`${workflowId}: ${status.phase}${status.pause ? ` (${status.pause})` : ''}`];
  for (const gate of status.pendingGates) {
    lines.push(`  waiting: gate "${gate.id}": ${gate.description}${gate.deadline ? ` (times out ${gate.deadline})` : ''}`);
  }
  for (const d of status.decisions) {
    lines.push(`  ${d.at}  gate "${d.gateId}" ${d.outcome}${d.by ? ` by ${d.by}` : ''}${d.comment ? `: ${d.comment}` : ''}`);
  }
  for (const r of status.refused) {
    lines.push(`  ${r.at}  refused ${r.decision} of "${r.gateId}" from ${r.by}: ${r.reason}`);
  }
  return lines.join('\n');
}

export function registerGateCommands(program: Command): void {
  for (const verdict of ['approve', 'reject'] as const) {
    program
      .command(`${verdict} <workflowId> <gateId>`)
      .description(`${verdict} a pending gate of an upgrade`)
      .option('--as <name>', 'who answers (recorded in the workflow history)', userInfo().username)
      .option('--comment <text>', 'why, for the audit trail')
      .option('--request-id <id>', 'makes a retried answer harmless; default: a fresh id', randomUUID())
      .action((workflowId: string, gateId: string, options: AnswerOptions) => answer(verdict, workflowId, gateId, options));
  }
  program
    .command('status <workflowId>')
    .description('show the phase, the pending gates and who decided what')
    .option('--json', 'print the status as JSON')
    .action(async (workflowId: string, options: { json?: boolean }) => {
      const status = await withWorkflowClient((client) => client.getHandle(workflowId).query(statusQuery));
      console.log(options.json ? JSON.stringify(status, null, 2) : renderStatus(workflowId, status));
    });
}
