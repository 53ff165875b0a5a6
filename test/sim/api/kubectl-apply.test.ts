/**
 * `kubectl apply -f` and `kubectl create -f` with kubectl's default validation (strict), which
 * needs the sim's OpenAPI documents: kubectl reads v3 to learn that the server validates fields,
 * and v2 as a fallback for kinds v3 does not know.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startSim, type Sim } from '../../../sim/index.js';
import { RESOURCE_TYPES } from '../../../sim/api/resources.js';
import { api, bookinfo, kubectl } from '../support.js';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

interface Annotated {
  metadata: { annotations?: Record<string, string> };
}

function deployment(image: string): unknown {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'bookinfo' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image, ports: [{ containerPort: 8080 }] }] },
      },
    },
  };
}

describe('kubectl apply and create -f against the sim, with default validation', () => {
  let sim: Sim;
  let dir: string;
  /** Writes a manifest and returns its path: kubectl reads files, as users run it. */
  const manifest = (name: string, obj: unknown): string => {
    const path = join(dir, name);
    writeFileSync(path, stringify(obj));
    return path;
  };

  beforeAll(async () => {
    sim = await startSim({ scenario: bookinfo(), timeScale: 20 });
    dir = mkdtempSync(join(tmpdir(), 'sim-apply-'));
  });
  afterAll(async () => {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies a ConfigMap: created, then configured with the change and the last-applied annotation', async () => {
    const cm = (value: string): unknown => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: 'bookinfo' },
      data: { mode: value },
    });
    const first = await kubectl(sim, ['apply', '-f', manifest('cm.yaml', cm('a'))]);
    expect(first.stdout.trim()).toBe('configmap/settings created');
    const second = await kubectl(sim, ['apply', '-f', manifest('cm.yaml', cm('b'))]);
    expect(second.stdout.trim()).toBe('configmap/settings configured');
    const got = await api(sim, 'GET', '/api/v1/namespaces/bookinfo/configmaps/settings');
    expect(got.body.data).toEqual({ mode: 'b' });
    const applied = JSON.parse((got.body as unknown as Annotated).metadata.annotations?.[LAST_APPLIED] ?? '{}') as {
      data?: unknown;
    };
    expect(applied.data).toEqual({ mode: 'b' });
  });

  it('applies a Deployment twice: the second apply is a strategic merge patch that keeps what it does not change', async () => {
    const path = manifest('deploy.yaml', deployment('web:1'));
    expect((await kubectl(sim, ['apply', '-f', path])).stdout.trim()).toBe('deployment.apps/web created');
    const before = sim.writeLog.length;
    const changed = manifest('deploy.yaml', deployment('web:2'));
    expect((await kubectl(sim, ['apply', '-f', changed])).stdout.trim()).toBe('deployment.apps/web configured');
    expect(sim.writeLog.slice(before)).toEqual([
      expect.objectContaining({ verb: 'patch', resource: 'deployments', name: 'web' }),
    ]);
    const got = await api(sim, 'GET', '/apis/apps/v1/namespaces/bookinfo/deployments/web');
    const spec = got.body.spec as { template: { spec: { containers: unknown[] } } };
    expect(spec.template.spec.containers).toEqual([
      expect.objectContaining({ name: 'web', image: 'web:2', ports: [{ containerPort: 8080 }] }),
    ]);
    expect((got.body as unknown as Annotated).metadata.annotations?.[LAST_APPLIED]).toContain('web:2');
    // Applying the same file again computes an empty patch and sends nothing.
    const again = await kubectl(sim, ['apply', '-f', changed]);
    expect(again.stdout.trim()).toBe('deployment.apps/web unchanged');
  });

  it('applies a custom resource twice with a JSON merge patch, as kubectl does for CRDs', async () => {
    const telemetry = (provider: string): unknown => ({
      apiVersion: 'telemetry.istio.io/v1',
      kind: 'Telemetry',
      metadata: { name: 'logs', namespace: 'bookinfo' },
      spec: { accessLogging: [{ providers: [{ name: provider }] }] },
    });
    await kubectl(sim, ['apply', '-f', manifest('tel.yaml', telemetry('envoy'))]);
    const second = await kubectl(sim, ['apply', '-f', manifest('tel.yaml', telemetry('otel'))]);
    expect(second.stdout.trim()).toBe('telemetry.telemetry.istio.io/logs configured');
    expect(sim.get('telemetries', 'bookinfo', 'logs')?.spec).toEqual({
      accessLogging: [{ providers: [{ name: 'otel' }] }],
    });
  });

  it('creates a Namespace with create -f, and a second create fails as AlreadyExists', async () => {
    const path = manifest('ns.yaml', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'team-a', labels: { 'istio-injection': 'enabled' } },
    });
    expect((await kubectl(sim, ['create', '-f', path])).stdout.trim()).toBe('namespace/team-a created');
    expect(sim.get('namespaces', undefined, 'team-a')?.metadata.labels).toMatchObject({ 'istio-injection': 'enabled' });
    const twice = await kubectl(sim, ['create', '-f', path], { reject: false });
    expect(twice.exitCode).toBe(1);
    expect(twice.stderr).toContain('namespaces "team-a" already exists');
  });

  it('applies with --dry-run=server without writing anything', async () => {
    const cm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'dry', namespace: 'bookinfo' },
      data: { a: '1' },
    };
    const before = sim.writeLog.length;
    const out = await kubectl(sim, ['apply', '--dry-run=server', '-f', manifest('dry.yaml', cm)]);
    expect(out.stdout.trim()).toBe('configmap/dry created (server dry run)');
    expect(sim.get('configmaps', 'bookinfo', 'dry')).toBeUndefined();
    expect(sim.writeLog.length).toBe(before);
  });

  it('rejects a kind the server does not serve with kubectl\'s "no matches for kind" error', async () => {
    for (const apiVersion of ['example.com/v1', 'v1']) {
      const path = manifest('bad.yaml', {
        apiVersion,
        kind: 'Frobnicator',
        metadata: { name: 'x', namespace: 'bookinfo' },
      });
      const res = await kubectl(sim, ['apply', '-f', path], { reject: false });
      expect(res.exitCode).toBe(1);
      expect(res.stderr).toContain(`no matches for kind "Frobnicator" in version "${apiVersion}"`);
      expect(res.stderr).not.toContain('openapi');
    }
  });

  it('serves OpenAPI v3 discovery for every group/version, each document with one schema per kind', async () => {
    const get = (path: string): Promise<Response> =>
      fetch(`${sim.url}${path}`, { headers: { authorization: `Bearer ${sim.token}` }, redirect: 'manual' });
    const root = (await (await get('/openapi/v3')).json()) as { paths: Record<string, { serverRelativeURL: string }> };
    const expected = new Set(
      RESOURCE_TYPES.map((t) => (t.group ? `apis/${t.group}/${t.version}` : `api/${t.version}`)),
    );
    expect(new Set(Object.keys(root.paths))).toEqual(expected);
    const apps = root.paths['apis/apps/v1']?.serverRelativeURL ?? '';
    expect(apps).toMatch(/^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]{128}$/);
    const res = await get(apps);
    expect(res.headers.get('cache-control')).toBe('public, immutable');
    const doc = (await res.json()) as { components: { schemas: Record<string, Record<string, unknown>> } };
    const withGvk = Object.values(doc.components.schemas).filter((s) => s['x-kubernetes-group-version-kind']);
    expect(withGvk.map((s) => s['x-kubernetes-group-version-kind'])).toEqual([
      [{ group: 'apps', version: 'v1', kind: 'Deployment' }],
      [{ group: 'apps', version: 'v1', kind: 'DaemonSet' }],
      [{ group: 'apps', version: 'v1', kind: 'ReplicaSet' }],
    ]);
    expect(withGvk[0]).toMatchObject({
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
      properties: { apiVersion: { type: 'string' }, kind: { type: 'string' } },
    });
    // A stale hash is redirected to the current document, as the real server does.
    const stale = await get('/openapi/v3/apis/apps/v1?hash=0');
    expect(stale.status).toBe(301);
    expect(stale.headers.get('location')).toBe(apps);
    expect((await get('/openapi/v3/apis/nope/v1')).status).toBe(404);
  });
});
