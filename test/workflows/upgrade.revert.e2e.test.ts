/**
 * Revert only what failed, end to end on the dev server and the simulator: bookinfo and shop move
 * from a revision-less 1.26.4 istiod to revision 1-27-3; shop's cart-v1 fails its test on the new
 * proxy. `revert` at its gate puts shop back on the old revision (every workload of it, each
 * restarted once more) while bookinfo stays upgraded; the default tag and the old revision stay
 * for shop, and the upgrade ends `partial`. Refusals change nothing.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { revertUpdate } from '../../workflows/messages.js';
import type { PendingGate } from '../../workflows/messages.js';
import { REVERTED_ANNOTATION } from '../../core/labels.js';
import { operatorCli } from '../support/cli.js';
import type { CliResult } from '../support/cli.js';
import { e2eSuite, meshState, restartsOf, runWorker, startUpgrade } from './support/upgrade-harness.js';
import {
  SHOP,
  answerWith,
  namespaceState,
  proxyVersionProbe,
  twoNamespaces,
  twoNamespaceSpec,
  withPinnedNamespace,
} from './support/revert-harness.js';

const suite = e2eSuite();
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
});

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) return error.cause?.message ?? error.message;
    throw error;
  }
  throw new Error('expected the Update to be refused');
}

describe('a namespace whose workload fails its test on the new revision', () => {
  it('reverts shop alone at its gate: shop back as it was, bookinfo upgraded, old revision and default tag kept, outcome partial', async () => {
    const cluster = await suite.fresh(twoNamespaces());
    const probe = await proxyVersionProbe(cluster, { namespace: 'shop', name: 'cart-v1', badVersion: '1.27.3' });
    closers.push(probe.close);
    const before = meshState(cluster) as { istiods: string[]; tags: string[] };
    const shopBefore = namespaceState(cluster, 'shop');
    const gates: PendingGate[] = [];
    const refusals: string[] = [];
    let cliRevert: CliResult | undefined;
    let statusCli: CliResult | undefined;

    const result = await runWorker(suite.env, cluster, async (taskQueue) => {
      const handle = await startUpgrade(suite.env, taskQueue, twoNamespaceSpec(probe));
      const ask = (by: string, gateId: string, comment = 'cart 5xx on 1.27') =>
        refusal(handle.executeUpdate(revertUpdate, { args: [{ gateId, by, requestId: `${by}-${gateId}`, comment }] }));
      return answerWith(
        handle,
        async (gate) => {
          if (gate.kind !== 'failure') {
            if (gate.id === 'gate:before-control-plane@1.27.3') refusals.push(await ask('alice', gate.id));
            return undefined;
          }
          // Refused first, each with its reason and without a write; then accepted from the CLI.
          const writes = cluster.sim.writeLog.length;
          refusals.push(await ask('mallory', gate.id), await ask('carol', gate.id), await ask('alice', gate.id, ' '));
          const noComment = await operatorCli(taskQueue, 'alice')('revert', handle.workflowId, gate.id);
          const outsider = await operatorCli(taskQueue, 'mallory')(
            'revert',
            handle.workflowId,
            gate.id,
            '--comment',
            'x',
          );
          refusals.push(
            `exit ${noComment.exitCode}: ${noComment.stderr.trim()}`,
            `exit ${outsider.exitCode}: ${outsider.stderr.trim()}`,
            `writes ${cluster.sim.writeLog.length - writes}`,
          );
          cliRevert = await operatorCli(taskQueue, 'alice')(
            'revert',
            handle.workflowId,
            gate.id,
            '--comment',
            'cart 5xx on 1.27, team on it',
          );
          return null;
        },
        gates,
      ).then(async (ended) => {
        statusCli = await operatorCli(taskQueue, 'alice')('status', handle.workflowId);
        return ended;
      });
    });

    expect(result.outcome).toBe('partial');
    // What an operator reads: the reverted namespace, why, and where the old revision is still used.
    expect(statusCli?.exitCode).toBe(0);
    expect(statusCli?.stdout).toMatch(
      /Reverted \(back on the old revision; the rest of the upgrade went on\):\n {2}namespace shop → default \(1\.26\.4\) at \S+: alice: cart 5xx on 1\.27, team on it \(restarted checkout-v1, cart-v1\)/,
    );
    expect(statusCli?.stdout).toContain(
      'Old revision still used by: Namespace shop (reverted: alice: cart 5xx on 1.27',
    );
    expect(statusCli?.stdout).toContain('Outcome: partial');
    const failureGate = gates.find((g) => g.kind === 'failure');
    expect(failureGate?.id).toMatch(/^failed:restart:shop\/cart-v1@1\.27\.3#/);
    expect(cliRevert?.exitCode).toBe(0);
    expect(cliRevert?.stdout).toContain(`revert accepted from alice at `);
    expect(failureGate?.revert?.offered).toBe(true);
    expect(failureGate?.description).toMatch(/revert puts namespace shop back on default \(1\.26\.4\)/);

    // shop is as it was; bookinfo moved.
    expect(namespaceState(cluster, 'shop')).toEqual(shopBefore);
    const after = meshState(cluster) as {
      namespaces: Record<string, unknown>;
      istiods: string[];
      tags: string[];
      proxies: Record<string, string>;
    };
    expect(after.namespaces.bookinfo).toEqual({ 'istio.io/rev': '1-27-3' });
    expect(
      Object.entries(after.proxies)
        .filter(([owner]) => owner.startsWith('bookinfo/'))
        .every(([, proxy]) => proxy === '1.27.3@1-27-3'),
    ).toBe(true);
    // The old istiod stays beside the new one, and the default tag did not move.
    expect(after.istiods).toEqual([...before.istiods, 'istiod-1-27-3:1.27.3'].sort());
    expect(after.tags).toEqual(before.tags);
    // Each shop workload: one rollout forward, one back.
    expect(restartsOf(cluster, 'shop')).toEqual(Object.fromEntries(SHOP.map((name) => [name, 2])));

    const annotation = cluster.sim.list('namespaces').find((n) => n.metadata.name === 'shop')?.metadata.annotations?.[
      REVERTED_ANNOTATION
    ];
    expect(JSON.parse(annotation ?? '{}')).toMatchObject({
      from: '1-27-3',
      to: 'default',
      reason: 'alice: cart 5xx on 1.27, team on it',
    });

    const { status } = result;
    expect(status.namespaces.find((n) => n.name === 'shop')?.reverted).toMatchObject({ to: 'default' });
    expect(status.reverted).toEqual([
      expect.objectContaining({
        kind: 'namespace',
        namespace: 'shop',
        to: 'default',
        restarted: ['checkout-v1', 'cart-v1'],
      }),
    ]);
    const state = (id: string) => status.steps.find((s) => s.id === id);
    expect(state('default-tag@1.27.3')).toBeUndefined();
    expect(state('gate:default-tag@1.27.3')).toMatchObject({
      state: 'skipped',
      note: expect.stringContaining('the default revision stays on default: shop was reverted') as unknown,
    });
    expect(state('move-tag:default@1-27-3')).toMatchObject({ state: 'skipped' });
    expect(state('remove-revision:default')).toMatchObject({
      state: 'skipped',
      note: expect.stringContaining('revision default stays: still used by Namespace shop') as unknown,
    });
    expect(status.blockers).toEqual([expect.stringContaining('Namespace shop (reverted: ')]);
    expect(status.controls.find((c) => c.action === 'revert')).toMatchObject({ gateId: failureGate?.id });

    // The refusals, each with why, and no write between them.
    expect(refusals).toEqual([
      'gate "gate:before-control-plane@1.27.3" is not a failed workload\'s gate: revert answers only a failed restart, test or analysis of a workload',
      '"mallory" is not an approver of this upgrade',
      '"carol" started this upgrade and may not revert it',
      'comment: say why (the reason is recorded on what is reverted)',
      "exit 2: error: required option '--comment <text>' not specified\n(add --help for usage and examples)",
      'exit 2: error: refused: "mallory" is not an approver of this upgrade',
      'writes 0',
    ]);
  }, 180_000);
});

describe('workloads pinned by their pod label in a namespace without injection labels', () => {
  it('reverts only the failing workload: api-v1 back on default, web-v1 and bookinfo upgraded, outcome partial', async () => {
    const cluster = await suite.fresh(withPinnedNamespace());
    const probe = await proxyVersionProbe(cluster, { namespace: 'pinned', name: 'api-v1', badVersion: '1.27.3' });
    closers.push(probe.close);
    const apiBefore = namespaceState(cluster, 'pinned') as { proxies: Record<string, string> };
    const http = (name: string) => ({ http: { url: probe.url('pinned', name) } });
    const spec = twoNamespaceSpec(probe, {
      scope: { namespaces: ['bookinfo', 'pinned'] },
      restarts: { order: ['bookinfo/reviews-v2', 'pinned/web-v1'] },
      tests: { 'pinned/api-v1': http('api-v1'), 'pinned/web-v1': http('web-v1') },
    });
    const gates: PendingGate[] = [];
    const result = await runWorker(suite.env, cluster, async (taskQueue) =>
      answerWith(
        await startUpgrade(suite.env, taskQueue, spec),
        (gate) => (gate.kind === 'failure' ? { decision: 'revert', comment: 'api 5xx on 1.27' } : undefined),
        gates,
      ),
    );

    expect(result.outcome).toBe('partial');
    const failureGate = gates.find((g) => g.kind === 'failure');
    expect(failureGate?.id).toMatch(/^failed:restart:pinned\/api-v1@1\.27\.3#/);
    expect(failureGate?.description).toContain('revert puts pinned/api-v1 alone back on default (1.26.4)');
    const after = namespaceState(cluster, 'pinned') as { labels: unknown; proxies: Record<string, string> };
    expect(after.proxies['pinned/api-v1']).toBe(apiBefore.proxies['pinned/api-v1']);
    expect(after.proxies['pinned/web-v1']).toBe('1.27.3@1-27-3');
    expect(after.labels).toEqual({});
    const deployment = (name: string) =>
      cluster.sim.list('deployments').find((d) => d.metadata.namespace === 'pinned' && d.metadata.name === name);
    const template = (name: string) =>
      (deployment(name)?.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata
        .labels['istio.io/rev'];
    expect([template('api-v1'), template('web-v1')]).toEqual(['default', '1-27-3']);
    expect(JSON.parse(deployment('api-v1')?.metadata.annotations?.[REVERTED_ANNOTATION] ?? '{}')).toMatchObject({
      from: '1-27-3',
      to: 'default',
    });
    expect(
      cluster.sim.list('namespaces').find((n) => n.metadata.name === 'pinned')?.metadata.annotations?.[
        REVERTED_ANNOTATION
      ],
    ).toBeUndefined();
    // api-v1: the relabel forward, the relabel back, the reverted mark; web-v1 only forward.
    expect(restartsOf(cluster, 'pinned')).toEqual({ 'api-v1': 3, 'web-v1': 1 });
    expect(result.status.reverted).toEqual([
      expect.objectContaining({ kind: 'workload', namespace: 'pinned', name: 'api-v1', to: 'default' }),
    ]);
  }, 180_000);
});
