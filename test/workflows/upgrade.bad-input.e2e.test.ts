/**
 * Bad input at the workflow boundary, where the Web UI, `temporal workflow start` or a script
 * reach the upgrade without the CLI's checks: malformed specs, specs the cluster contradicts, and
 * signals and Updates of the wrong shape. Each is refused with an error naming the field, and the
 * simulated cluster sees no write. (The CLI's own bad input is in test/client/cli-bad-inputs.test.ts.)
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection, WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import type { SpecInput } from '../../core/spec/schema.js';
import { standInToolsFolder } from '../../sim/index.js';
import { statusQuery } from '../../workflows/messages.js';
import type { ControlRecord, UpgradeResult, UpgradeStatus } from '../../workflows/messages.js';
import type { upgrade } from '../../workflows/upgrade.js';
import type { SimCluster } from '../activities/support/sim.js';
import { workflowBundle } from '../support/worker.js';
import { e2eSuite, quickSpec } from './support/upgrade-harness.js';

const suite = e2eSuite();

/** A valid canary of bookinfo: every case below breaks one thing in it. */
const valid: SpecInput = quickSpec({
  cluster: { context: 'sim' },
  install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision' },
  version: { target: '1.27.3' },
  scope: { namespaces: ['bookinfo'] },
});

/** `valid` with some top-level sections replaced; the result is deliberately not a SpecInput. */
function broken(change: Record<string, unknown>): unknown {
  return { ...valid, ...change };
}

let cluster: SimCluster;
let taskQueue: string;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  cluster = await suite.fresh();
  taskQueue = `bad-input-${randomUUID()}`;
  const activities = createActivities({
    kubeConfig: cluster.kubeConfig,
    tools: { kubeconfigPath: cluster.sim.kubeconfigPath, searchPath: [standInToolsFolder()] },
  });
  worker = await Worker.create({
    connection: suite.env.nativeConnection,
    namespace: suite.env.namespace ?? 'default',
    taskQueue,
    workflowBundle: await workflowBundle('workflows/index.ts'),
    activities,
  });
  running = worker.run();
});
afterAll(async () => {
  worker?.shutdown();
  await running;
});

/** Starts `upgrade` with whatever `spec` is, as the Web UI would: no client-side check. */
function startRaw(spec: unknown, workflowId = `bad-input-${randomUUID()}`): Promise<WorkflowHandle<typeof upgrade>> {
  return suite.env.client.workflow.start<typeof upgrade>('upgrade', {
    taskQueue,
    workflowId,
    args: [{ spec: spec as SpecInput, initiator: 'carol' }],
  });
}

/** The Validation failure the workflow ended with: its message lists every problem by field. */
async function validationFailure(spec: unknown): Promise<string> {
  const handle = await startRaw(spec);
  const error: unknown = await handle.result().then(
    () => new Error('the upgrade ran'),
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  const cause = (error as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  expect((cause as ApplicationFailure).type).toBe('Validation');
  expect((cause as ApplicationFailure).nonRetryable).toBe(true);
  return cause?.message ?? '';
}

/** The refusal the workflow ended with after reading the cluster and planning. */
async function refusedPlan(spec: unknown): Promise<UpgradeResult> {
  const result = await (await startRaw(spec)).result();
  expect(result.outcome).toBe('refused');
  return result;
}

async function updateRefusal(handle: WorkflowHandle<typeof upgrade>, name: string, payload: unknown): Promise<string> {
  try {
    await handle.executeUpdate<ControlRecord, [unknown]>(name, { args: [payload] });
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) return error.cause?.message ?? error.message;
    throw error;
  }
  throw new Error(`the ${name} Update was accepted`);
}

async function waitFor(
  handle: WorkflowHandle<typeof upgrade>,
  what: string,
  ok: (status: UpgradeStatus) => boolean,
): Promise<UpgradeStatus> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const status = await handle.query(statusQuery);
    if (ok(status)) return status;
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}; status: ${JSON.stringify({ current: status.current, gates: status.pendingGates.map((g) => g.id) })}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const request = () => ({ by: 'alice', requestId: randomUUID() });

describe('an upgrade started with a malformed spec', () => {
  const cases: [string, unknown, RegExp][] = [
    ['garbage text instead of a spec', '}{ not: [yaml', /^invalid spec:\n\(spec\): .*expected object/m],
    ['no spec at all (null)', null, /^\(spec\): .*expected object/m],
    ['a list instead of a spec', [valid], /^\(spec\): .*expected object/m],
    [
      'a number for version.target',
      broken({ version: { target: 1.27 } }),
      /^version\.target: expected a version like "1\.27\.3"/m,
    ],
    [
      'a version that is not one',
      broken({ version: { target: 'latest' } }),
      /^version\.target: expected a version like "1\.27\.3"/m,
    ],
    [
      'a string for restarts.concurrency',
      broken({ restarts: { concurrency: 'five' } }),
      /^restarts\.concurrency: .*expected number, received string$/m,
    ],
    ['restarts.concurrency of 0', broken({ restarts: { concurrency: 0 } }), /^restarts\.concurrency: /m],
    ['an unknown top-level field', broken({ strategy: 'revision' }), /^strategy: unknown field$/m],
    [
      'a misspelt gate name',
      broken({ gates: { beforeControlplane: false } }),
      /^gates\.beforeControlplane: unknown field$/m,
    ],
    [
      'an unknown install method',
      broken({ install: { method: 'kubectl-apply', mode: 'sidecar', strategy: 'revision' } }),
      /^install\.method: expected one of istioctl, helm, sail$/m,
    ],
    ['no install section', broken({ install: undefined }), /^install: required, missing/m],
    ['no approvers while gates are on', broken({ approvals: { approvers: [] } }), /^approvals\.approvers: /m],
    ['numbers for approvers', broken({ approvals: { approvers: [1, 2] } }), /^approvals\.approvers\[0\]: /m],
    [
      'a gate timeout that is not a duration',
      broken({ gates: { approvalTimeout: 'soon' } }),
      /^gates\.approvalTimeout: expected a duration like "24h"/m,
    ],
    [
      'a timeout that would approve',
      broken({ gates: { onTimeout: 'approve' } }),
      /^gates\.onTimeout: expected reject or fail \(a timeout never approves\)$/m,
    ],
    [
      'a namespace name Kubernetes would refuse',
      broken({ scope: { namespaces: ['Bookinfo_1'] } }),
      /^scope\.namespaces\[0\]: expected a Kubernetes name/m,
    ],
    [
      'namespaces and a selector both',
      broken({ scope: { namespaces: ['bookinfo'], namespaceSelector: { matchLabels: { team: 'a' } } } }),
      /^scope: expected namespaces or namespaceSelector, not both$/m,
    ],
    [
      'a selector written as a string',
      broken({ scope: { namespaceSelector: 'istio-injection=enabled' } }),
      /^scope\.namespaceSelector: /m,
    ],
    [
      'a selector with an unknown operator',
      broken({ scope: { namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'Like' }] } } }),
      /^scope\.namespaceSelector\.matchExpressions\[0\]\.operator: /m,
    ],
    [
      'a workload test with two kinds',
      broken({ tests: { bookinfo: { http: { url: 'http://productpage:9080/' }, command: { argv: ['true'] } } } }),
      /^tests\.bookinfo: expected exactly one of http, command or job$/m,
    ],
    [
      'a boolean for a gate given as text',
      broken({ gates: { perNamespace: 'yes' } }),
      /^gates\.perNamespace: .*expected boolean, received string$/m,
    ],
  ];

  it.each(cases)('fails with a Validation error naming the field: %s', async (_name, spec, expected) => {
    expect(await validationFailure(spec)).toMatch(expected);
    expect(cluster.sim.writeLog).toEqual([]);
  });
});

describe('an upgrade started with a 10 MB spec', () => {
  it('is refused by Temporal before any workflow runs, saying the message is too large', async () => {
    // A client without the default retries: a refusal for size is final, and retrying it only waits.
    const connection = await Connection.connect({ address: inject('temporalAddress'), interceptors: [] });
    try {
      const client = new Client({ connection, namespace: suite.env.namespace ?? 'default' });
      const workflowId = `bad-input-${randomUUID()}`;
      const spec = broken({ cluster: { context: 'sim', name: 'x'.repeat(10 * 1024 * 1024) } }) as SpecInput;
      const error: unknown = await client.workflow
        .start<typeof upgrade>('upgrade', { taskQueue, workflowId, args: [{ spec, initiator: 'carol' }] })
        .then(
          () => new Error('the upgrade started'),
          (failure: unknown) => failure,
        );
      expect(error).toBeInstanceOf(Error);
      expect(String((error as Error).cause)).toMatch(/RESOURCE_EXHAUSTED: grpc: received message larger than max/);
      await expect(suite.env.client.workflow.getHandle(workflowId).describe()).rejects.toThrow(/not found/i);
      expect(cluster.sim.writeLog).toEqual([]);
    } finally {
      await connection.close();
    }
  });

  it('fails with a Validation error naming cluster.name when the name alone is 100 KB (it would not fit a search attribute)', async () => {
    expect(await validationFailure(broken({ cluster: { context: 'sim', name: 'x'.repeat(100 * 1024) } }))).toMatch(
      /^cluster\.name: expected at most 253 characters$/m,
    );
    expect(cluster.sim.writeLog).toEqual([]);
  });
});

describe('an upgrade whose spec the cluster contradicts', () => {
  const cases: [string, unknown, string, RegExp][] = [
    [
      'an unknown namespace',
      broken({ scope: { namespaces: ['bookinfo', 'payments'] } }),
      'Validation',
      /^scope\.namespaces\[1\]: namespace "payments" does not exist$/,
    ],
    [
      'a namespace outside the mesh',
      broken({ scope: { namespaces: ['legacy'] } }),
      'Validation',
      /^scope\.namespaces\[0\]: namespace "legacy" is not in the mesh/,
    ],
    [
      'a downgrade',
      broken({ version: { target: '1.25.2' } }),
      'Validation',
      /^version\.target: 1\.25\.2 is older than the running 1\.26\.4: downgrades are planned only as a rollback$/,
    ],
    [
      'the version already running',
      broken({ version: { target: '1.26.4' } }),
      'Validation',
      /^version\.target: the control plane already runs 1\.26\.4$/,
    ],
    [
      'a jump to another major version',
      broken({ version: { target: '2.0.0' } }),
      'Validation',
      /^version\.target: .*major/,
    ],
    [
      'an in-place jump through minors nobody can name',
      broken({ install: { method: 'istioctl', mode: 'sidecar', strategy: 'in-place' }, version: { target: '1.30.0' } }),
      'Validation',
      /^version\.intermediate: no patch known for intermediate hop 1\.29/,
    ],
    [
      'a control plane namespace without istiod',
      broken({ install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision', namespace: 'istio-nowhere' } }),
      'Validation',
      /^install\.namespace: no istiod with a known version runs in istio-nowhere$/,
    ],
    [
      'a source version the cluster does not run',
      broken({ version: { target: '1.27.3', source: '1.25.2' } }),
      'PrecheckBlocked',
      /source-mismatch: /,
    ],
  ];

  it.each(cases)(
    'reads the cluster, is refused naming the field, and writes nothing: %s',
    async (_name, spec, type, expected) => {
      const result = await refusedPlan(spec);
      expect(result.status.failure?.type).toBe(type);
      expect(result.status.failure?.message).toMatch(expected);
      // A spec that cannot be planned has no plan; a blocking precheck shows the plan it blocked.
      expect(result.plan === null).toBe(type === 'Validation');
      expect(cluster.sim.writeLog).toEqual([]);
    },
  );
});

describe('gate answers and controls of the wrong shape while the first gate waits', () => {
  let handle: WorkflowHandle<typeof upgrade>;
  let gate: string;
  beforeAll(async () => {
    handle = await startRaw(valid);
    gate =
      (await waitFor(handle, 'the first gate', (status) => status.pendingGates.length > 0)).pendingGates[0]?.id ?? '';
  });
  afterAll(async () => {
    await handle?.terminate('bad-input test done');
  });

  const decides: [string, (gateId: string) => unknown, RegExp][] = [
    ['no gateId', () => ({ ...request(), decision: 'approve' }), /^gateId: expected a non-empty string$/],
    [
      'a number for by',
      (gateId) => ({ ...request(), gateId, by: 42, decision: 'approve' }),
      /^by: expected a non-empty string$/,
    ],
    [
      'an empty requestId',
      (gateId) => ({ ...request(), gateId, requestId: '', decision: 'approve' }),
      /^requestId: expected a non-empty string$/,
    ],
    [
      'a decision of "maybe"',
      (gateId) => ({ ...request(), gateId, decision: 'maybe' }),
      /^decision: expected "approve" or "reject", got "maybe"$/,
    ],
    [
      'an object for comment',
      (gateId) => ({ ...request(), gateId, decision: 'approve', comment: { text: 'ok' } }),
      /^comment: expected a string$/,
    ],
    ['a string instead of a request', () => 'approve', /^gateId: expected a non-empty string$/],
    ['null instead of a request', () => null, /^gateId: expected a non-empty string$/],
    [
      'a gate that does not exist',
      () => ({ ...request(), gateId: 'gate:everything', decision: 'approve' }),
      /^unknown gate "gate:everything"; pending: gate:/,
    ],
  ];

  it.each(decides)(
    'refuses the decide Update with %s, naming the field, and the gate stays open',
    async (_name, payload, expected) => {
      expect(await updateRefusal(handle, 'decide', payload(gate))).toMatch(expected);
      const status = await handle.query(statusQuery);
      expect(status.pendingGates.map((g) => g.id)).toEqual([gate]);
      expect(status.decisions).toEqual([]);
      expect(cluster.sim.writeLog).toEqual([]);
    },
  );

  const controls: [string, string, unknown, RegExp][] = [
    ['pause with no by', 'pause', { requestId: randomUUID() }, /^by: expected a non-empty string$/],
    [
      'abort with a number for requestId',
      'abort',
      { by: 'alice', requestId: 7 },
      /^requestId: expected a non-empty string$/,
    ],
    [
      'skipSoak with an array for comment',
      'skipSoak',
      { ...request(), comment: ['because'] },
      /^comment: expected a string$/,
    ],
  ];

  it.each(controls)(
    'refuses the %s Update naming the field, and nothing is recorded',
    async (_name, update, payload, expected) => {
      expect(await updateRefusal(handle, update, payload)).toMatch(expected);
      const status = await handle.query(statusQuery);
      expect(status.controls).toEqual([]);
      expect(status.held).toBe(false);
      expect(status.outcome).toBeNull();
      expect(cluster.sim.writeLog).toEqual([]);
    },
  );

  it('records an approve signal without a gateId as refused, naming the field, and the gate stays open', async () => {
    await handle.signal('approve', { by: 'alice', requestId: 'signal-without-gate' });
    const status = await waitFor(handle, 'the refused signal', (s) =>
      s.refused.some((r) => r.requestId === 'signal-without-gate'),
    );
    expect(status.refused.find((r) => r.requestId === 'signal-without-gate')?.reason).toBe(
      'gateId: expected a non-empty string',
    );
    expect(status.pendingGates.map((g) => g.id)).toEqual([gate]);
    expect(status.decisions).toEqual([]);
    expect(cluster.sim.writeLog).toEqual([]);
  });

  it('leaves no trace of a refused Update in history: no Update was accepted while the gate waited', async () => {
    const history = await handle.fetchHistory();
    expect((history.events ?? []).filter((event) => event.workflowExecutionUpdateAcceptedEventAttributes)).toEqual([]);
  });
});

describe('extendSoak of the wrong shape while the control plane soaks', () => {
  let soaking: SimCluster;
  let soakWorker: Worker;
  let soakRunning: Promise<void>;
  let handle: WorkflowHandle<typeof upgrade>;
  let soak: UpgradeStatus['timer'];
  let writes: number;
  beforeAll(async () => {
    // A cluster and worker of its own: this upgrade installs the new istiod before it soaks.
    soaking = await suite.fresh();
    const queue = `bad-input-soak-${randomUUID()}`;
    const activities = createActivities({
      kubeConfig: soaking.kubeConfig,
      tools: { kubeconfigPath: soaking.sim.kubeconfigPath, searchPath: [standInToolsFolder()] },
    });
    soakWorker = await Worker.create({
      connection: suite.env.nativeConnection,
      namespace: suite.env.namespace ?? 'default',
      taskQueue: queue,
      workflowBundle: await workflowBundle('workflows/index.ts'),
      activities,
    });
    soakRunning = soakWorker.run();
    const spec = quickSpec({ ...valid, gates: { beforeControlPlane: false }, timers: { soakAfterControlPlane: '1h' } });
    handle = await suite.env.client.workflow.start<typeof upgrade>('upgrade', {
      taskQueue: queue,
      workflowId: `bad-input-soak-${randomUUID()}`,
      args: [{ spec, initiator: 'carol' }],
    });
    soak = (await waitFor(handle, 'the soak', (status) => status.timer !== null)).timer;
    writes = soaking.sim.writeLog.length;
  });
  afterAll(async () => {
    await handle?.terminate('bad-input test done');
    soakWorker?.shutdown();
    await soakRunning;
  });

  it.each([
    ['seconds -5', -5],
    ['seconds as text', 'ten'],
    ['a fraction of a second', 1.5],
    ['no seconds at all', undefined],
    ['a billion seconds', 1_000_000_000],
  ])('refuses extendSoak with %s, naming seconds, and the soak ends when it would have', async (_name, seconds) => {
    expect(await updateRefusal(handle, 'extendSoak', { ...request(), seconds })).toMatch(
      /^seconds: expected a whole number of seconds between 1 and \d+$/,
    );
    const status = await handle.query(statusQuery);
    expect(status.timer?.endsAt).toBe(soak?.endsAt);
    expect(status.controls).toEqual([]);
    expect(soaking.sim.writeLog.length).toBe(writes);
  });
});
