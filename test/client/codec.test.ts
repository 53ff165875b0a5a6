import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { DataConverter } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { dataConverterFromEnv, decodeHistory, ENCRYPTED_ENCODING } from '../../client/codec.js';
import { journalOf } from '../../client/render/history.js';
import { temporalTarget } from '../../client/connection.js';
import { devServerEnv } from '../support/temporal.js';
import { workflowBundle } from '../support/worker.js';
import type { echoThroughActivity } from './fixtures/echo-workflow.js';

const MARKER = 'mesh-secret-f3a9';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await devServerEnv();
});
afterAll(() => env.teardown());

interface HistoryPayload {
  metadata?: Record<string, Uint8Array> | null;
  data?: Uint8Array | null;
}

/** Every payload stored in a workflow's history, as the server keeps it. */
async function storedPayloads(workflowId: string): Promise<HistoryPayload[]> {
  const response = await env.client.workflowService.getWorkflowExecutionHistory({
    namespace: env.namespace ?? 'default',
    execution: { workflowId },
  });
  const found: HistoryPayload[] = [];
  const walk = (value: unknown): void => {
    if (value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) return value.forEach(walk);
    const record = value as Record<string, unknown>;
    if (Array.isArray(record.payloads)) found.push(...(record.payloads as HistoryPayload[]));
    for (const child of Object.values(record)) if (!(child instanceof Uint8Array)) walk(child);
  };
  walk(response.history?.events ?? []);
  return found;
}

async function runEcho(
  dataConverter: DataConverter | undefined,
): Promise<{ result: string; payloads: HistoryPayload[]; workflowId: string; client: Client }> {
  const taskQueue = `codec-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: await workflowBundle('test/client/fixtures/echo-workflow.ts'),
    activities: { echo: (text: string) => Promise.resolve(`activity saw ${text}`) },
    ...(dataConverter === undefined ? {} : { dataConverter }),
  });
  const client = new Client({
    connection: env.connection,
    namespace: env.namespace ?? 'default',
    ...(dataConverter === undefined ? {} : { dataConverter }),
  });
  const workflowId = `codec-${randomUUID()}`;
  const result = await worker.runUntil(
    client.workflow.execute<typeof echoThroughActivity>('echoThroughActivity', {
      taskQueue,
      workflowId,
      args: [{ text: MARKER }],
    }),
  );
  return { result, payloads: await storedPayloads(workflowId), workflowId, client };
}

const decoded = (p: HistoryPayload) => new TextDecoder().decode(p.data ?? new Uint8Array());

describe('payload encryption', () => {
  it('is off by default: history holds the plain payloads', async () => {
    expect(temporalTarget({}).dataConverter).toBeUndefined();
    const { result, payloads } = await runEcho(undefined);
    expect(result).toBe(`workflow saw activity saw ${MARKER}`);
    expect(payloads.some((p) => decoded(p).includes(MARKER))).toBe(true);
  });

  it('with a key, worker and client read everything while history holds only ciphertext', async () => {
    const key = randomBytes(32).toString('base64');
    const target = temporalTarget({ ISTIO_UPGRADE_PAYLOAD_KEY: key, ISTIO_UPGRADE_PAYLOAD_KEY_ID: 'k1' });
    expect(target.dataConverter).toBeDefined();
    const { result, payloads } = await runEcho(target.dataConverter);
    expect(result).toBe(`workflow saw activity saw ${MARKER}`);
    expect(payloads.length).toBeGreaterThanOrEqual(4);
    for (const p of payloads) {
      expect(new TextDecoder().decode(p.metadata?.encoding ?? new Uint8Array())).toBe(ENCRYPTED_ENCODING);
      expect(new TextDecoder().decode(p.metadata?.['encryption-key-id'] ?? new Uint8Array())).toBe('k1');
      expect(decoded(p)).not.toContain(MARKER);
      expect(decoded(p)).not.toContain('activity saw');
    }
  });

  it('refuses a key that is not 32 bytes, naming the variable', () => {
    expect(() => dataConverterFromEnv({ ISTIO_UPGRADE_PAYLOAD_KEY: Buffer.from('short').toString('base64') })).toThrow(
      /ISTIO_UPGRADE_PAYLOAD_KEY: expected a base64 32-byte key/,
    );
  });
});

describe('a fetched history with encryption on', () => {
  it('decodes back to what the worker wrote, for the report and the rollback to read', async () => {
    const key = randomBytes(32).toString('base64');
    const target = temporalTarget({ ISTIO_UPGRADE_PAYLOAD_KEY: key });
    const { workflowId, client } = await runEcho(target.dataConverter);
    const stored = await client.workflow.getHandle(workflowId).fetchHistory();
    const input = () => stored.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    expect(new TextDecoder().decode(input()?.metadata?.encoding ?? new Uint8Array())).toBe(ENCRYPTED_ENCODING);
    const plain = await decodeHistory(stored, target.dataConverter);
    expect(defaultPayloadConverter.fromPayload(input() ?? {})).toEqual({ text: MARKER });
    const journal = journalOf(plain);
    // The activity's argument is read as its subject, and timestamps kept their Long methods.
    expect(journal.spans.find((span) => span.name === 'echo')?.subject).toContain(MARKER);
    expect(journal.startedAt).toBeGreaterThan(0);
    // Without the codec, the same history is opaque.
    const opaque = await client.workflow.getHandle(workflowId).fetchHistory();
    expect(journalOf(opaque).spans.find((span) => span.name === 'echo')?.subject).not.toContain(MARKER);
  });
});
