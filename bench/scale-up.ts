/**
 * Large meshes for the benchmarks boot with no pods and are scaled up through the API: a boot of
 * thousands of pods at once can exceed the simulator's start-up limit (30 s) on a busy 2-core
 * machine, and a scale-up over HTTP reaches the same objects, as a cluster would.
 */
import type { Sim } from '../sim/index.js';

/**
 * A kept-alive connection the server closes as it is reused is reset (its keep-alive timeout
 * runs out while a long reconcile holds its event loop); the same PATCH again is harmless.
 */
async function withRetries(send: () => Promise<Response>): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (err) {
      if (attempt >= 8) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

/** PATCHes the given deployments with the same body, `inFlight` requests at a time. */
export async function patchDeployments(
  sim: Sim,
  deployments: readonly { namespace: string; name: string }[],
  body: unknown,
  inFlight = 50,
): Promise<void> {
  const text = JSON.stringify(body);
  const queue = [...deployments];
  const client = async (): Promise<void> => {
    for (let d = queue.shift(); d !== undefined; d = queue.shift()) {
      const url = `${sim.url}/apis/apps/v1/namespaces/${d.namespace}/deployments/${d.name}`;
      const send = () =>
        fetch(url, {
          method: 'PATCH',
          headers: { authorization: `Bearer ${sim.token}`, 'content-type': 'application/strategic-merge-patch+json' },
          body: text,
        });
      const r = await withRetries(send);
      if (!r.ok) throw new Error(`patch of deployment ${d.namespace}/${d.name} failed: ${r.status} ${await r.text()}`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, client));
}

/** Scales the namespaces' deployments to `replicas` and waits until every rollout is done. */
export async function scaleUp(
  sim: Sim,
  namespacePrefix: string,
  replicas: number,
  timeoutMs = 1_800_000,
): Promise<number> {
  const deployments = sim
    .list('deployments')
    .filter((d) => d.metadata.namespace?.startsWith(namespacePrefix))
    .map((d) => ({ namespace: d.metadata.namespace ?? '', name: d.metadata.name }));
  await patchDeployments(sim, deployments, { spec: { replicas } });
  await sim.settled(timeoutMs);
  return deployments.length;
}
