/**
 * What a new user types first, with the real kubectl: `kubectl create namespace|deployment|
 * configmap|secret|serviceaccount` and `kubectl run` send Kubernetes protobuf (the sim decodes it
 * as a real API server does), and `fieldValidation` treats unknown fields as a real server does.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type Sim } from '../../../sim/index.js';
import { api, bookinfo, kubectl } from '../support.js';

interface DeploymentShape {
  spec: {
    replicas?: number;
    selector: unknown;
    template: { metadata: { labels?: Record<string, string> }; spec: { containers: Array<Record<string, unknown>> } };
  };
}

describe('kubectl create and run: protobuf request bodies', () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSim({ scenario: bookinfo(), timeScale: 20 });
  });
  afterAll(() => sim?.stop());

  it('kubectl create namespace creates the namespace', async () => {
    const out = await kubectl(sim, ['create', 'namespace', 'shop']);
    expect(out.stdout.trim()).toBe('namespace/shop created');
    const ns = sim.get('namespaces', undefined, 'shop');
    expect(ns?.metadata.labels).toEqual({ 'kubernetes.io/metadata.name': 'shop' });
    expect(ns?.status).toEqual({ phase: 'Active' });
    expect(sim.requestCount({ method: 'POST', resource: 'namespaces' })).toBe(1);
  });

  it('kubectl create deployment stores what the same command would have sent as JSON, and its pods run', async () => {
    await kubectl(sim, ['create', 'namespace', 'web']);
    const args = ['create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=2', '--port=80', '-n', 'web'];
    const command = ['--', 'sh', '-c', 'sleep 1000'];
    const asJson = JSON.parse(
      (await kubectl(sim, [...args, '--dry-run=client', '-o', 'json', ...command])).stdout,
    ) as DeploymentShape;
    const out = await kubectl(sim, [...args, ...command]);
    expect(out.stdout.trim()).toBe('deployment.apps/web created');
    const stored = sim.get('deployments', 'web', 'web') as unknown as DeploymentShape & {
      metadata: { labels?: Record<string, string> };
    };
    expect(stored.metadata.labels).toEqual({ app: 'web' });
    expect(stored.spec.replicas).toBe(2);
    expect(stored.spec.selector).toEqual(asJson.spec.selector);
    expect(stored.spec.template.metadata.labels).toEqual(asJson.spec.template.metadata.labels);
    expect(stored.spec.template.spec.containers).toEqual(asJson.spec.template.spec.containers);
    expect(stored.spec.template.spec.containers[0]).toMatchObject({
      command: ['sh', '-c', 'sleep 1000'],
      ports: [{ containerPort: 80 }],
      resources: {},
    });
    const status = await kubectl(sim, ['rollout', 'status', 'deployment/web', '-n', 'web', '--timeout=30s']);
    expect(status.stdout).toContain('deployment "web" successfully rolled out');
  });

  it('keeps a zero the Go type holds by pointer: --replicas=0 is not defaulted to 1', async () => {
    await kubectl(sim, ['create', 'deployment', 'idle', '--image=nginx', '--replicas=0', '-n', 'bookinfo']);
    expect((sim.get('deployments', 'bookinfo', 'idle') as unknown as DeploymentShape).spec.replicas).toBe(0);
  });

  it('kubectl create configmap, secret and serviceaccount, and kubectl run', async () => {
    await kubectl(sim, [
      'create',
      'configmap',
      'settings',
      '--from-literal=mode=fast',
      '--from-literal=empty=',
      '-n',
      'bookinfo',
    ]);
    expect(sim.get('configmaps', 'bookinfo', 'settings')?.data).toEqual({ mode: 'fast', empty: '' });
    await kubectl(sim, ['create', 'secret', 'generic', 'token', '--from-literal=key=s3cr3t', '-n', 'bookinfo']);
    const secret = sim.get('secrets', 'bookinfo', 'token');
    expect(secret).toMatchObject({ type: 'Opaque', data: { key: Buffer.from('s3cr3t').toString('base64') } });
    await kubectl(sim, ['create', 'serviceaccount', 'robot', '-n', 'bookinfo']);
    expect(sim.get('serviceaccounts', 'bookinfo', 'robot')?.metadata.name).toBe('robot');
    await kubectl(sim, [
      'run',
      'shell',
      '--image=busybox:1.36',
      '--labels=role=debug',
      '-n',
      'bookinfo',
      '--',
      'sleep',
      '3600',
    ]);
    const pod = sim.get('pods', 'bookinfo', 'shell') as unknown as {
      metadata: { labels?: Record<string, string> };
      spec: { containers: Array<Record<string, unknown>> };
    };
    expect(pod.metadata.labels?.role).toBe('debug');
    // The namespace injects sidecars, so the proxy is there too: the pod went through admission like any other.
    expect(pod.spec.containers.map((c) => c.name)).toEqual(['shell', 'istio-proxy']);
    expect(pod.spec.containers[0]).toMatchObject({ name: 'shell', image: 'busybox:1.36', args: ['sleep', '3600'] });
  });

  it('kubectl replace sends protobuf with PUT, and that is decoded too', async () => {
    await kubectl(sim, ['create', 'namespace', 'replaced']);
    const current = (await kubectl(sim, ['get', 'namespace', 'replaced', '-o', 'json'])).stdout;
    const edited = JSON.parse(current) as { metadata: { labels: Record<string, string> } };
    edited.metadata.labels.team = 'mesh';
    const file = join(mkdtempSync(join(tmpdir(), 'replace-')), 'ns.json');
    writeFileSync(file, JSON.stringify(edited));
    await kubectl(sim, ['replace', '-f', file]);
    expect(sim.get('namespaces', undefined, 'replaced')?.metadata.labels?.team).toBe('mesh');
  });

  it('refuses protobuf for a patch with 415, as a real server does (patch bodies are JSON or YAML)', async () => {
    const res = await fetch(`${sim.url}/api/v1/namespaces/bookinfo`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${sim.token}`, 'content-type': 'application/vnd.kubernetes.protobuf' },
      body: Buffer.from([0x6b, 0x38, 0x73, 0x00, 0x0a, 0x00]),
    });
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ kind: 'Status', reason: 'UnsupportedMediaType', code: 415 });
  });
});

const TYPO = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: typo, namespace: bookinfo }
spec:
  replica: 2
  selector: { matchLabels: { app: typo } }
  template:
    metadata: { labels: { app: typo } }
    spec:
      containers:
        - { name: c, image: nginx, imagePullPolcy: Always }
`;

describe('fieldValidation: unknown fields in built-in kinds', () => {
  let sim: Sim;
  let file: string;
  beforeAll(async () => {
    sim = await startSim({ scenario: bookinfo(), timeScale: 20 });
    file = join(mkdtempSync(join(tmpdir(), 'strict-')), 'typo.yaml');
    writeFileSync(file, TYPO);
  });
  afterAll(() => sim?.stop());

  it('Strict (kubectl apply by default) rejects the object with 400, naming every unknown field', async () => {
    const out = await kubectl(sim, ['apply', '-f', file], { reject: false });
    expect(out.exitCode).toBe(1);
    expect(out.stderr).toContain(
      'Error from server (BadRequest): error when creating "' +
        file +
        '": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replica", unknown field "spec.template.spec.containers[0].imagePullPolcy"',
    );
    expect(sim.get('deployments', 'bookinfo', 'typo')).toBeUndefined();
    const raw = await api(sim, 'POST', '/api/v1/namespaces/bookinfo/configmaps?fieldValidation=Strict', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', labelz: {} },
      data: {},
    });
    expect(raw).toEqual({
      status: 400,
      body: expect.objectContaining({
        reason: 'BadRequest',
        code: 400,
        message:
          'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "metadata.labelz"',
      }) as unknown,
    });
  });

  it('Warn (--validate=warn) creates the object without the unknown fields and kubectl prints one warning per field', async () => {
    const out = await kubectl(sim, ['apply', '-f', file, '--validate=warn']);
    expect(out.stdout.trim()).toBe('deployment.apps/typo created');
    expect(out.stderr).toContain('Warning: unknown field "spec.replica"');
    expect(out.stderr).toContain('Warning: unknown field "spec.template.spec.containers[0].imagePullPolcy"');
    const stored = sim.get('deployments', 'bookinfo', 'typo') as unknown as DeploymentShape & {
      spec: Record<string, unknown>;
    };
    expect(stored.spec.replica).toBeUndefined();
    expect(stored.spec.replicas).toBe(1);
    expect(stored.spec.template.spec.containers).toEqual([{ name: 'c', image: 'nginx' }]);
  });

  it('Ignore (--validate=false) drops the unknown fields silently; a patch without the parameter warns (the server default)', async () => {
    await kubectl(sim, ['delete', 'deployment', 'typo', '-n', 'bookinfo']);
    const out = await kubectl(sim, ['apply', '-f', file, '--validate=false']);
    expect(out.stderr).not.toContain('Warning');
    expect(
      (sim.get('deployments', 'bookinfo', 'typo') as unknown as { spec: Record<string, unknown> }).spec.replica,
    ).toBeUndefined();
    const patched = await kubectl(sim, [
      'patch',
      'deployment',
      'typo',
      '-n',
      'bookinfo',
      '--type=merge',
      '-p',
      '{"spec":{"paused":true,"pasued":true}}',
    ]);
    expect(patched.stderr).toContain('Warning: unknown field "spec.pasued"');
    const spec = (sim.get('deployments', 'bookinfo', 'typo') as unknown as { spec: Record<string, unknown> }).spec;
    expect(spec).toMatchObject({ paused: true });
    expect(spec.pasued).toBeUndefined();
  });

  it('a directive other than Strict, Warn or Ignore is a 400', async () => {
    const bad = await api(sim, 'POST', '/api/v1/namespaces/bookinfo/configmaps?fieldValidation=Loose', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'd' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe(
      'fieldValidation parameter unsupported: Loose, allowed values are: Ignore, Warn, Strict',
    );
  });
});
