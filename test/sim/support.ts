/**
 * Shared by the sim's tests: a small bookinfo scenario, the project's own kubectl, and raw
 * HTTP with the admin token for the cases kubectl hides (status codes, Status bodies).
 */
import { execa } from 'execa';
import { kubectlPath } from '../../scripts/tools.js';
import type { ScenarioInput, Sim } from '../../sim/index.js';

export function bookinfo(overrides: Partial<ScenarioInput> = {}): ScenarioInput {
  return {
    name: 'test-bookinfo',
    timing: { podReadySeconds: 2, jobRunSeconds: 2 },
    nodes: 2,
    istio: { installer: 'istioctl', version: '1.26.4' },
    namespaces: [
      {
        name: 'bookinfo',
        labels: { 'istio-injection': 'enabled' },
        deployments: [
          { name: 'productpage-v1', replicas: 2 },
          { name: 'reviews-v1', replicas: 1 },
          { name: 'reviews-v2', replicas: 3 },
        ],
      },
    ],
    ...overrides,
  };
}

export async function kubectl(sim: Sim, args: string[], opts: { reject?: boolean; kubeconfig?: string } = {}) {
  return execa(kubectlPath(), ['--kubeconfig', opts.kubeconfig ?? sim.kubeconfigPath, ...args], {
    reject: opts.reject ?? true,
    timeout: 30_000,
  });
}

export async function api(
  sim: Sim,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${sim.token}`, ...(body === undefined ? {} : { 'content-type': contentType }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export async function eventually<T>(fn: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
