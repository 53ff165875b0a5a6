import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type Sim } from '../../../sim/index.js';
import { bookinfo } from '../support.js';

let sim: Sim;
beforeAll(async () => {
  sim = await startSim({ scenario: bookinfo(), timeScale: 20 });
});
afterAll(() => sim.stop());

interface ListBody {
  kind: string;
  metadata: { continue?: string; remainingItemCount?: number };
  items: { kind?: string; metadata: { namespace?: string; name: string }; spec?: unknown }[];
}

async function list(path: string, accept = 'application/json'): Promise<{ status: number; body: ListBody }> {
  const response = await fetch(`${sim.url}${path}`, { headers: { authorization: `Bearer ${sim.token}`, accept } });
  return { status: response.status, body: (await response.json()) as ListBody };
}

describe('chunked and metadata-only lists', () => {
  it('pages pods with limit and continue: every pod once, in key order, with the remaining count', async () => {
    const whole = (await list('/api/v1/pods')).body.items
      .map((p) => `${p.metadata.namespace}/${p.metadata.name}`)
      .sort();
    const paged: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const { body } = await list(`/api/v1/pods?limit=2${token === undefined ? '' : `&continue=${token}`}`);
      pages++;
      expect(body.items.length).toBeLessThanOrEqual(2);
      if (body.metadata.continue !== undefined)
        expect(body.metadata.remainingItemCount).toBe(whole.length - paged.length - body.items.length);
      paged.push(...body.items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`));
      token = body.metadata.continue;
    } while (token !== undefined);
    expect(paged).toEqual(whole);
    expect(pages).toBe(Math.ceil(whole.length / 2));
  });

  it('refuses a continue token it did not issue', async () => {
    expect((await list('/api/v1/pods?limit=2&continue=not-a-token')).status).toBe(400);
  });

  it('serves metadata only when asked for a PartialObjectMetadataList', async () => {
    const { body } = await list(
      '/api/v1/namespaces/bookinfo/pods',
      'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1',
    );
    expect(body.kind).toBe('PartialObjectMetadataList');
    expect(body.items.length).toBeGreaterThan(0);
    expect(body.items.every((p) => p.kind === 'PartialObjectMetadata' && p.spec === undefined)).toBe(true);
  });
});
