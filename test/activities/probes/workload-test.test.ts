import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelledFailure } from '@temporalio/common';
import { createProbeActivities, testJobName } from '../../../activities/probes/workload-test.js';
import { workloadTestSchema } from '../../../core/spec/index.js';
import { startCluster, type SimCluster } from '../support/sim.js';
import { activityEnv, runIn } from '../support/activity-env.js';

let cluster: SimCluster;
let probes: ReturnType<typeof createProbeActivities>;
let server: Server;
let base: string;

beforeAll(async () => {
  cluster = await startCluster('sidecarIstioctl');
  probes = createProbeActivities(cluster.clients);
  // A stand-in for productpage: healthy on /productpage, broken on /broken, silent on /hang.
  server = createServer((req, res) => {
    if (req.url === '/hang') return;
    res.writeHead(req.url?.startsWith('/productpage') === true ? 200 : 503, { 'content-type': 'text/html' });
    res.end(
      req.url?.startsWith('/productpage') === true ? '<title>Simple Bookstore App</title>' : 'upstream connect error',
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await cluster.stop();
});

const test = (input: unknown) => workloadTestSchema.parse(input);

describe('workload tests', () => {
  it('passes an HTTP check of productpage and fails a 503 with the status as evidence', async () => {
    const ok = await probes.runWorkloadTest({
      namespace: 'bookinfo',
      deployment: 'productpage-v1',
      runId: 'r1',
      test: test({ http: { url: `${base}/productpage` } }),
    });
    expect(ok).toMatchObject({ passed: true, evidence: { status: 200 } });
    const bad = await probes.runWorkloadTest({
      namespace: 'bookinfo',
      deployment: 'productpage-v1',
      runId: 'r1',
      test: test({ http: { url: `${base}/broken?token=abc` } }),
    });
    expect(bad.passed).toBe(false);
    expect(bad.summary).toMatch(/→ 503 \(wanted 200\)$/);
    expect(JSON.stringify(bad)).not.toContain('token=abc');
  });

  it('fails an HTTP check that never answers, at its timeout', async () => {
    const report = await probes.runWorkloadTest({
      namespace: 'bookinfo',
      deployment: 'productpage-v1',
      runId: 'r1',
      test: test({ http: { url: `${base}/hang`, timeoutSeconds: 1 } }),
    });
    expect(report).toMatchObject({ passed: false, evidence: { error: 'no answer within 1000 ms' } });
  });

  it('runs a command test as a process and reports its exit code and output', async () => {
    const pass = await probes.runWorkloadTest({
      namespace: 'bookinfo',
      deployment: 'ratings-v1',
      runId: 'r1',
      test: test({ command: { argv: ['sh', '-c', 'echo ratings ok'] } }),
    });
    expect(pass).toMatchObject({ passed: true, evidence: { exitCode: 0, stdout: 'ratings ok' } });
    const fail = await probes.runWorkloadTest({
      namespace: 'bookinfo',
      deployment: 'ratings-v1',
      runId: 'r1',
      test: test({ command: { argv: ['sh', '-c', 'echo nope >&2; exit 4'] } }),
    });
    expect(fail).toMatchObject({ passed: false, evidence: { exitCode: 4, stderr: 'nope' } });
  });

  it('runs a Job test in the cluster, and a retried attempt finds the same Job instead of a second run', async () => {
    const input = {
      namespace: 'bookinfo',
      deployment: 'reviews-v2',
      runId: 'step-7/try-1',
      test: test({ job: { image: 'curlimages/curl:8.10.1', command: ['curl', '-sf', 'http://reviews:9080/'] } }),
    };
    const first = await probes.runWorkloadTest(input);
    const second = await probes.runWorkloadTest(input);
    expect(first).toMatchObject({ passed: true, evidence: { outcome: 'Complete' } });
    expect(second.passed).toBe(true);
    const creates = cluster.sim.writeLog.filter(
      (w) => w.verb === 'create' && w.resource === 'jobs' && w.name === testJobName('reviews-v2', 'step-7/try-1'),
    );
    expect(creates).toHaveLength(1);
  });

  it('names a Job test after the step and its attempt: a retried activity reuses it, the next attempt of the step gets its own', async () => {
    const input = {
      namespace: 'bookinfo',
      deployment: 'ratings-v1',
      stepId: 'restart/bookinfo/ratings-v1',
      attempt: 1,
      test: test({ job: { image: 'curlimages/curl:8.10.1', command: ['curl', '-sf', 'http://ratings:9080/'] } }),
    };
    await probes.runWorkloadTest(input);
    await probes.runWorkloadTest(input);
    await probes.runWorkloadTest({ ...input, attempt: 2 });
    const creates = cluster.sim.writeLog.filter(
      (w) => w.verb === 'create' && w.resource === 'jobs' && w.name?.startsWith('test-ratings-v1-') === true,
    );
    expect(creates.map((c) => c.name)).toEqual([
      testJobName('ratings-v1', 'restart/bookinfo/ratings-v1#1'),
      testJobName('ratings-v1', 'restart/bookinfo/ratings-v1#2'),
    ]);
  });

  it('does not trust a Job found under its name that ran another test: it is replaced and the new test gives the verdict', async () => {
    cluster.sim.faults.add({ kind: 'jobFails', deployment: 'details-v1', namespace: 'bookinfo' });
    const old = {
      namespace: 'bookinfo',
      deployment: 'details-v1',
      runId: 'reused-run',
      test: test({ job: { image: 'curlimages/curl:8.10.1', command: ['curl', 'http://details:9080/broken'] } }),
    };
    expect((await probes.runWorkloadTest(old)).passed).toBe(false);
    cluster.sim.faults.clear();
    // Same run id, another test (the spec was fixed): the failed verdict of the old Job must not be read.
    const fixed = {
      ...old,
      test: test({ job: { image: 'curlimages/curl:8.10.1', command: ['curl', '-sf', 'http://details:9080/'] } }),
    };
    const report = await probes.runWorkloadTest(fixed);
    expect(report).toMatchObject({ passed: true, evidence: { outcome: 'Complete' } });
    const writes = cluster.sim.writeLog
      .filter((w) => w.resource === 'jobs' && w.name === testJobName('details-v1', 'reused-run'))
      .map((w) => w.verb);
    expect(writes).toEqual(['create', 'delete', 'create']);
  });

  it('refuses a test without a step id or run id, naming the field', async () => {
    const f = await probes
      .runWorkloadTest({
        namespace: 'bookinfo',
        deployment: 'details-v1',
        test: test({ job: { image: 'curlimages/curl:8.10.1', command: ['true'] } }),
      })
      .catch((err: unknown) => err);
    expect(f).toMatchObject({ type: 'Validation', message: expect.stringContaining('stepId') as string });
  });

  it('reports a failing Job as a failed test with its reason', async () => {
    cluster.sim.faults.add({ kind: 'jobFails', deployment: 'reviews-v3', namespace: 'bookinfo' });
    const report = await probes.runWorkloadTest({
      namespace: 'bookinfo',
      deployment: 'reviews-v3',
      runId: 'step-8/try-1',
      test: test({ job: { image: 'curlimages/curl:8.10.1', command: ['curl', 'http://reviews:9080/'] } }),
    });
    expect(report.passed).toBe(false);
    expect(report.evidence).toMatchObject({ outcome: 'Failed' });
    cluster.sim.faults.clear();
  });

  it('a command test that prints its environment shows no secret of the worker', async () => {
    process.env.TEMPORAL_API_KEY = 'tk-live-secret';
    process.env.GITHUB_TOKEN = 'ghp-secret';
    try {
      const report = await probes.runWorkloadTest({
        namespace: 'bookinfo',
        deployment: 'ratings-v1',
        runId: 'r1',
        test: test({ command: { argv: ['env'] } }),
      });
      expect(report.passed).toBe(true);
      expect(report.evidence.stdout).toContain('PATH=');
      expect(JSON.stringify(report)).not.toMatch(/tk-live-secret|ghp-secret|TEMPORAL_API_KEY|GITHUB_TOKEN/);
    } finally {
      delete process.env.TEMPORAL_API_KEY;
      delete process.env.GITHUB_TOKEN;
    }
  });

  it('heartbeats while an HTTP check and a command test run', async () => {
    const { env, heartbeats } = activityEnv(300);
    const http = await runIn(env, () =>
      probes.runWorkloadTest({
        namespace: 'bookinfo',
        deployment: 'productpage-v1',
        runId: 'r1',
        test: test({ http: { url: `${base}/hang`, timeoutSeconds: 1 } }),
      }),
    );
    expect(http.passed).toBe(false);
    expect(heartbeats.length).toBeGreaterThanOrEqual(3);
    expect((heartbeats[0] as { message: string }).message).toContain('/hang');
    heartbeats.length = 0;
    await runIn(env, () =>
      probes.runWorkloadTest({
        namespace: 'bookinfo',
        deployment: 'ratings-v1',
        runId: 'r1',
        test: test({ command: { argv: ['sleep', '1'] } }),
      }),
    );
    expect(heartbeats.length).toBeGreaterThanOrEqual(3);
    expect(heartbeats[0]).toMatchObject({ message: 'running test sleep 1' });
  });

  it('stops a command test when the activity is cancelled', async () => {
    const { env } = activityEnv();
    const run = runIn(env, () =>
      probes.runWorkloadTest({
        namespace: 'bookinfo',
        deployment: 'ratings-v1',
        runId: 'r1',
        test: test({ command: { argv: ['sleep', '60'], timeoutSeconds: 120 } }),
      }),
    );
    setTimeout(() => env.cancel(), 200);
    await expect(run).rejects.toBeInstanceOf(CancelledFailure);
  });

  it('stops an HTTP check when the activity is cancelled', async () => {
    const { env } = activityEnv();
    const run = runIn(env, () =>
      probes.runWorkloadTest({
        namespace: 'bookinfo',
        deployment: 'productpage-v1',
        runId: 'r1',
        test: test({ http: { url: `${base}/hang`, timeoutSeconds: 30 } }),
      }),
    );
    setTimeout(() => env.cancel(), 100);
    await expect(run).rejects.toBeInstanceOf(CancelledFailure);
  });
});
