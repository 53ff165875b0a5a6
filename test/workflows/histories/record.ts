/**
 * Records the histories that replay.test.ts replays, so a change to workflow code that would
 * break a paused upgrade fails CI. Each file is named `<workflow type>.<situation>.json`; the
 * workflow type picks the workflows file that replays it (replay.test.ts `workflowsFileOf`).
 *
 * Re-record only when a new history is wanted, with the workflow code as it is released (a
 * history recorded on changed code proves nothing about the upgrades paused on the old code):
 *
 *   npx tsx test/workflows/histories/record.ts                     every situation below
 *   npx tsx test/workflows/histories/record.ts canary-istioctl     one or more, by situation
 *
 * Situations: `approve-then-timeout` and `rejected` (the gate fixture); and the upgrade paths,
 * each run end to end with the real activities on a fresh simulated cluster, gates answered by
 * alice and bob as they open: `canary-istioctl`, `inplace-helm-chain`, `ambient-sail-revision`,
 * `rejected-after-failed-test` (a failed deployment test, a rejection, the rollback) and
 * `failure-gate-retried` (a test that fails once, the failure gate answered with `retry`). An
 * upgrade's restart batches are child workflows: one of each shape (batches that ran alike are
 * kept once) is saved as `restartBatch.<situation>.<n>.json` beside the upgrade's own history.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { Connection, WorkflowClient } from '@temporalio/client';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../../activities/index.js';
import { answerGates, takingTurns } from '../../../client/answer-gates.js';
import type { SpecInput } from '../../../core/spec/schema.js';
import { startDevServer } from '../../../scripts/dev-server.js';
import { startSim, standInToolsFolder } from '../../../sim/index.js';
import { approveSignal, decideUpdate, rejectSignal, statusQuery } from '../../../workflows/messages.js';
import type { upgrade } from '../../../workflows/upgrade.js';
import type { gatedRunbook } from '../fixtures/gated-runbook.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const scenarios = fileURLToPath(new URL('../../../sim/scenarios/', import.meta.url));
const wanted = new Set(process.argv.slice(2));
const wants = (situation: string) => wanted.size === 0 || wanted.has(situation);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const server = await startDevServer();
const connection = await Connection.connect({ address: server.address });
const client = new WorkflowClient({ connection });
const nativeConnection = await NativeConnection.connect({ address: server.address });

function save(name: string, history: Parameters<typeof historyToJSON>[0]): void {
  writeFileSync(join(here, name), historyToJSON(history));
  console.log(`recorded ${name} (${history.events?.length ?? 0} events)`);
}

async function recordGatedRunbook(): Promise<void> {
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue: 'record',
    workflowsPath: join(here, '../fixtures/gated-runbook.ts'),
  });
  await worker.runUntil(async () => {
    if (wants('approve-then-timeout')) {
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
        while (!(await handle.query(statusQuery)).pendingGates.some((g) => g.id === gateId)) await sleep(50);
      };
      await waitFor('control-plane');
      // A refused signal, an accepted Update, and a duplicate signal: the handlers' paths that touch history.
      await handle.signal(approveSignal, { gateId: 'control-plane', by: 'mallory', requestId: 'r0' });
      await handle.executeUpdate(decideUpdate, {
        args: [{ gateId: 'control-plane', by: 'alice', requestId: 'r1', decision: 'approve', comment: 'ok' }],
      });
      await handle.signal(approveSignal, { gateId: 'control-plane', by: 'alice', requestId: 'r1' });
      await waitFor('gateways');
      await handle.result();
      save('gatedRunbook.approve-then-timeout.json', await handle.fetchHistory());
    }
    if (wants('rejected')) {
      const rejected = await client.start<typeof gatedRunbook>('gatedRunbook', {
        taskQueue: 'record',
        workflowId: 'gated-runbook-rejected',
        args: [
          {
            policy: { approvers: ['alice'], initiator: 'carol', allowSelfApproval: false },
            gates: [{ id: 'control-plane', description: 'install istiod 1-28' }],
          },
        ],
      });
      while ((await rejected.query(statusQuery)).pendingGates.length === 0) await sleep(50);
      await rejected.signal(rejectSignal, {
        gateId: 'control-plane',
        by: 'alice',
        requestId: 'x1',
        comment: 'not today',
      });
      await rejected.result();
      save('gatedRunbook.rejected.json', await rejected.fetchHistory());
    }
  });
}

/** What the recorder does at a failure gate: the Update to send, or a plain decision. */
type FailureAnswer = 'retry' | 'approve' | 'reject';

interface UpgradeSituation {
  situation: string;
  /** A scenario file under sim/scenarios/. */
  scenario: string;
  spec: SpecInput;
  overridePrechecks?: string[];
  /** Answers to the failure gates, in the order they open. */
  failureAnswers?: FailureAnswer[];
}

const quick = (spec: SpecInput): SpecInput => ({
  ...spec,
  timers: { soakAfterControlPlane: '1s', graceBeforeRevisionRemoval: '1s', ...spec.timers },
  approvals: { approvers: ['alice', 'bob'], ...spec.approvals },
});
const istioctlCanary = quick({
  install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision' },
  version: { target: '1.27.3' },
  scope: { namespaces: ['bookinfo'] },
  restarts: { order: ['bookinfo/reviews-v2'] },
});

/** Absent on the test's first run, which creates it and fails; present on the retry. */
const flakyMarker = join(mkdtempSync(join(tmpdir(), 'flaky-')), 'ran-once');

const UPGRADES: UpgradeSituation[] = [
  { situation: 'canary-istioctl', scenario: 'sidecar-istioctl-1.26.yaml', spec: istioctlCanary },
  {
    situation: 'inplace-helm-chain',
    scenario: 'sidecar-helm-1.26.yaml',
    spec: quick({ install: { method: 'helm', mode: 'sidecar', strategy: 'in-place' }, version: { target: '1.28.0' } }),
    overridePrechecks: ['removed-tracing-providers'],
  },
  {
    situation: 'ambient-sail-revision',
    scenario: 'ambient-sail-1.26.yaml',
    spec: quick({ install: { method: 'sail', mode: 'ambient', strategy: 'revision' }, version: { target: '1.27.3' } }),
    overridePrechecks: ['waypoint-tags'],
  },
  {
    situation: 'rejected-after-failed-test',
    scenario: 'sidecar-istioctl-1.26.yaml',
    spec: { ...istioctlCanary, tests: { 'bookinfo/ratings-v1': { command: { argv: ['false'] } } } },
    // Reject: roll back. The rollback's restart of ratings-v1 fails its test again: go on without it.
    failureAnswers: ['reject', 'approve'],
  },
  {
    situation: 'failure-gate-retried',
    scenario: 'sidecar-istioctl-1.26.yaml',
    spec: {
      ...istioctlCanary,
      tests: {
        'bookinfo/ratings-v1': {
          command: { argv: ['sh', '-c', `test -f ${flakyMarker} || { touch ${flakyMarker}; exit 1; }`] },
        },
      },
    },
    failureAnswers: ['retry'],
  },
];

/** Plays alice and bob: approves planned gates, answers failure gates as the situation says. */
async function playApprovers(handle: WorkflowHandle<typeof upgrade>, failureAnswers: FailureAnswer[]): Promise<void> {
  const next = takingTurns(['alice', 'bob']);
  let failures = 0;
  const { result } = await answerGates(
    handle,
    (gate) => {
      const by = next();
      const requestId = `${gate.id}/${by}`;
      const answer = gate.kind === 'failure' ? failureAnswers[failures++] : 'approve';
      if (answer === undefined) throw new Error(`unexpected failure gate: ${gate.description}`);
      if (answer === 'retry') return { decision: answer, by, requestId, comment: 'the test was flaky' };
      return { decision: answer, by, requestId, ...(answer === 'reject' && { comment: 'roll it back' }) };
    },
    { pollMs: 150 },
  );
  await result;
}

async function recordUpgrade(
  situation: UpgradeSituation,
  workflowBundle: Awaited<ReturnType<typeof bundleWorkflowCode>>,
  tools: string,
): Promise<void> {
  const sim = await startSim({ scenario: join(scenarios, situation.scenario), timeScale: 50 });
  try {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(sim.kubeconfigPath);
    const activities = createActivities({
      kubeConfig,
      tools: { kubeconfigPath: sim.kubeconfigPath, searchPath: [tools] },
    });
    const taskQueue = `record-${situation.situation}`;
    const worker = await Worker.create({ connection: nativeConnection, taskQueue, workflowBundle, activities });
    await worker.runUntil(async () => {
      const handle = await client.start<typeof upgrade>('upgrade', {
        taskQueue,
        // The file's name without .json: the replay runs it under the same id, which child ids derive from.
        workflowId: `upgrade.${situation.situation}`,
        args: [
          {
            spec: situation.spec,
            initiator: 'carol',
            ...(situation.overridePrechecks && { overridePrechecks: situation.overridePrechecks }),
          },
        ],
      });
      await playApprovers(handle, situation.failureAnswers ?? []);
      const history = await handle.fetchHistory();
      save(`upgrade.${situation.situation}.json`, history);
      // Batches that ran alike make alike histories: keep one of each shape (by event types).
      const shapes = new Set<string>();
      for (const event of history.events ?? []) {
        const child = event.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId;
        if (!child) continue;
        const childHistory = await client.getHandle(child).fetchHistory();
        const shape = (childHistory.events ?? []).map((e) => e.eventType).join(',');
        if (shapes.has(shape)) continue;
        shapes.add(shape);
        save(`restartBatch.${situation.situation}.${shapes.size}.json`, childHistory);
      }
    });
  } finally {
    await sim.stop();
  }
}

try {
  if (wants('approve-then-timeout') || wants('rejected')) await recordGatedRunbook();
  const upgrades = UPGRADES.filter((situation) => wants(situation.situation));
  if (upgrades.length > 0) {
    const workflowBundle = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('../../../workflows/index.ts', import.meta.url)),
    });
    const tools = standInToolsFolder();
    for (const situation of upgrades) await recordUpgrade(situation, workflowBundle, tools);
  }
} finally {
  await connection.close();
  await nativeConnection.close();
  await server.stop();
}
