import { afterEach, describe, expect, it } from 'vitest';
import { KubeConfig } from '@kubernetes/client-node';
import { createKubeClients } from '../../../activities/kubernetes/clients.js';
import { createKubernetesActivities } from '../../../activities/kubernetes/index.js';
import { kubernetesActivitiesOn } from '../support/sim.js';
import { failureOf } from '../support/failures.js';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';

/** A worker logger that keeps what it was told. */
function capturingLogger(): { logger: Logger; lines: { level: LogLevel; message: string; meta?: LogMetadata }[] } {
  const lines: { level: LogLevel; message: string; meta?: LogMetadata }[] = [];
  const at = (level: LogLevel) => (message: string, meta?: LogMetadata) =>
    void lines.push({ level, message, ...(meta === undefined ? {} : { meta }) });
  return {
    lines,
    logger: {
      log: (level, message, meta) => at(level)(message, meta),
      trace: at('TRACE'),
      debug: at('DEBUG'),
      info: at('INFO'),
      warn: at('WARN'),
      error: at('ERROR'),
    },
  };
}

const t = kubernetesActivitiesOn('sidecarIstioctl');
afterEach(() => t.cluster.sim.faults.clear());

const lastSeq = () => t.cluster.sim.requests.at(-1)?.seq ?? 0;
const requestsSince = (since: number, verb: string, resource: string) =>
  t.cluster.sim.requests.filter((r) => r.seq > since && r.verb === verb && r.resource === resource);

describe('API errors', () => {
  it("keep the status code and reason in the failure's details, the cause in history, and the full redacted error in the worker's log", async () => {
    const { logger, lines } = capturingLogger();
    const env = new MockActivityEnvironment({}, { logger });
    t.cluster.sim.faults.add({
      kind: 'apiError',
      code: 403,
      verb: 'patch',
      resource: 'namespaces',
      count: 1,
      message: 'denied for token=leaky-tok; policy quota-guard',
    });
    const f = await failureOf(env.run(() => t.k.setNamespaceLabels({ namespace: 'legacy', set: { team: 'a' } })));
    expect(f.type).toBe('Forbidden');
    expect(f.details?.[0]).toEqual({ status: 403, reason: 'Forbidden' });
    expect(f.cause?.message).toContain('quota-guard');
    const logged = lines.find((l) => l.level === 'WARN' && l.message.includes('patch namespace legacy'));
    expect(String(logged?.meta?.error)).toContain('quota-guard');
    expect(JSON.stringify({ f, lines })).not.toContain('leaky-tok');
  });

  it('reads retry in place through 500s and a 429: the inventory is read despite them', async () => {
    const since = lastSeq();
    t.cluster.sim.faults.add({ kind: 'apiError', code: 500, verb: 'list', resource: 'pods', count: 2 });
    t.cluster.sim.faults.add({ kind: 'apiError', code: 429, verb: 'list', resource: 'deployments', count: 1 });
    const inventory = await t.k.readInventory();
    expect(inventory.deployments.length).toBeGreaterThan(0);
    expect(requestsSince(since, 'list', 'pods').map((r) => r.code)).toEqual([500, 500, 200]);
    expect(requestsSince(since, 'list', 'deployments').map((r) => r.code)).toEqual([429, 200]);
  });

  it('a 409 on the restart patch fails as retryable Conflict, and the retry restarts once', async () => {
    const input = { namespace: 'bookinfo', name: 'reviews-v3', restartedAt: '2026-11-23T12:00:00Z' };
    const before = t.cluster.sim.get('deployments', 'bookinfo', 'reviews-v3')?.metadata.generation ?? 0;
    t.cluster.sim.faults.add({ kind: 'apiError', code: 409, verb: 'patch', resource: 'deployments', count: 1 });
    const f = await failureOf(t.k.restartWorkload(input));
    expect(f.type).toBe('Conflict');
    expect(f.nonRetryable).toBe(false);
    // What Temporal does next: the same activity, same input.
    expect(await t.k.restartWorkload(input)).toEqual({ changed: true, generation: before + 1 });
    expect(await t.k.restartWorkload(input)).toEqual({ changed: false, generation: before + 1 });
  });

  it('a 500 on a namespace label patch fails as retryable Unavailable, then the retry applies it', async () => {
    t.cluster.sim.faults.add({ kind: 'apiError', code: 500, verb: 'patch', resource: 'namespaces', count: 1 });
    const f = await failureOf(t.k.setNamespaceLabels({ namespace: 'legacy', set: { 'istio.io/rev': '1-28' } }));
    expect(f.type).toBe('Unavailable');
    expect(f.nonRetryable).toBe(false);
    expect((await t.k.setNamespaceLabels({ namespace: 'legacy', set: { 'istio.io/rev': '1-28' } })).changed).toBe(true);
    expect(t.cluster.sim.get('namespaces', undefined, 'legacy')?.metadata.labels?.['istio.io/rev']).toBe('1-28');
  });

  it('a 403 fails at once as non-retryable Forbidden, with one request and no retry', async () => {
    const since = lastSeq();
    t.cluster.sim.faults.add({ kind: 'apiError', code: 403, verb: 'patch', resource: 'deployments' });
    const f = await failureOf(
      t.k.restartWorkload({ namespace: 'bookinfo', name: 'productpage-v1', restartedAt: '2026-11-23T12:05:00Z' }),
    );
    expect(f.type).toBe('Forbidden');
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toMatch(/^restart deployment bookinfo\/productpage-v1: HTTP 403/);
    expect(requestsSince(since, 'patch', 'deployments')).toHaveLength(1);
  });

  it('a 403 on a read is not retried either', async () => {
    const since = lastSeq();
    t.cluster.sim.faults.add({ kind: 'apiError', code: 403, verb: 'list', resource: 'pods' });
    const f = await failureOf(t.k.listProxiesOnRevision({ revision: 'default' }));
    expect(f.type).toBe('Forbidden');
    expect(requestsSince(since, 'list', 'pods')).toHaveLength(1);
  });

  it('a refused connection is a retryable Unavailable, and no token is in the failure', async () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'gone', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
      users: [{ name: 'u', token: 'sekret-token-value' }],
      contexts: [{ name: 'gone', cluster: 'gone', user: 'u' }],
      currentContext: 'gone',
    });
    const offline = createKubernetesActivities(createKubeClients(kc));
    const f = await failureOf(offline.setNamespaceLabels({ namespace: 'bookinfo', set: { a: 'b' } }));
    expect(f.type).toBe('Unavailable');
    expect(f.nonRetryable).toBe(false);
    expect(JSON.stringify({ message: f.message, details: f.details, cause: f.cause?.message })).not.toContain(
      'sekret-token-value',
    );
  });
});
