/**
 * Records the histories that replay.test.ts replays, so a change to workflow code that would
 * break a paused upgrade fails CI. Run it only when a new history is wanted, with the workflow
 * code as it is released: `npx tsx test/workflows/histories/record.ts`. Each file is named
 * `<workflow type>.<situation>.json`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection, WorkflowClient } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { NativeConnection, Worker } from '@temporalio/worker';
import { startDevServer } from '../../../scripts/dev-server.js';
import { approveSignal, decideUpdate, rejectSignal, statusQuery } from '../../../workflows/messages.js';
import type { gatedRunbook } from '../fixtures/gated-runbook.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const server = await startDevServer();
const connection = await Connection.connect({ address: server.address });
const client = new WorkflowClient({ connection });
const nativeConnection = await NativeConnection.connect({ address: server.address });
const worker = await Worker.create({
  connection: nativeConnection,
  taskQueue: 'record',
  workflowsPath: join(here, '../fixtures/gated-runbook.ts'),
});

await worker.runUntil(async () => {
  const handle = await client.start<typeof gatedRunbook>('gatedRunbook', {
    taskQueue: 'record',
    workflowId: 'gated-runbook-recorded',
    args: [
      {
        policy: { approvers: ['alice', 'bob'], initiator: 'carol', allowSelfApproval: false },
        gates: [
          { id: 'control-plane', description: 'install istiod 1-28', timeoutMs: 3_600_000 },
          { id: 'gateways', description: 'move gateways to 1-28', timeoutMs: 1_000 },
          { id: 'never-opened', description: 'the timeout above ends the runbook first' },
        ],
      },
    ],
  });
  const waitFor = async (gateId: string) => {
    while (!(await handle.query(statusQuery)).pendingGates.some((g) => g.id === gateId)) await new Promise((r) => setTimeout(r, 50));
  };
  await waitFor('control-plane');
  // A refused signal, an accepted Update, and a duplicate signal: the handlers' paths that touch history.
  await handle.signal(approveSignal, { gateId: 'control-plane', by: 'mallory', requestId: 'r0' });
  await handle.executeUpdate(decideUpdate, { args: [{ gateId: 'control-plane', by: 'alice', requestId: 'r1', decision: 'approve', comment: 'ok' }] });
  await handle.signal(approveSignal, { gateId: 'control-plane', by: 'alice', requestId: 'r1' });
  await waitFor('gateways');
  await handle.result();
  writeFileSync(join(here, 'gatedRunbook.approve-then-timeout.json'), historyToJSON(await handle.fetchHistory()));

  const rejected = await client.start<typeof gatedRunbook>('gatedRunbook', {
    taskQueue: 'record',
    workflowId: 'gated-runbook-rejected',
    args: [{ policy: { approvers: ['alice'], initiator: 'carol', allowSelfApproval: false }, gates: [{ id: 'control-plane', description: 'install istiod 1-28' }] }],
  });
  while ((await rejected.query(statusQuery)).pendingGates.length === 0) await new Promise((r) => setTimeout(r, 50));
  await rejected.signal(rejectSignal, { gateId: 'control-plane', by: 'alice', requestId: 'x1', comment: 'not today' });
  await rejected.result();
  writeFileSync(join(here, 'gatedRunbook.rejected.json'), historyToJSON(await rejected.fetchHistory()));
});

await connection.close();
await nativeConnection.close();
await server.stop();
