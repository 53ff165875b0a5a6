/** Runs the test the spec names for a workload: exactly one of an HTTP check, a command, or a Job. */
import { createHash } from 'node:crypto';
import type { WorkloadTest } from '../../core/spec/index.js';
import { failure } from '../failure.js';
import type { KubeClients } from '../kubernetes/clients.js';
import { runCommandCheck } from './command.js';
import { runHttpCheck } from './http.js';
import { runJobCheck } from './job.js';
import type { TestReport } from './types.js';

export interface RunWorkloadTestInput {
  namespace: string;
  deployment: string;
  test: WorkloadTest;
  /**
   * Identifies this run of the test, chosen by the workflow (step id and its try): a retried
   * activity reuses it and so finds its own Job; a deliberate re-test passes a new one.
   */
  runId: string;
}

/** A DNS-1123 name under 63 characters, stable for the same inputs. */
export function testJobName(deployment: string, runId: string): string {
  const hash = createHash('sha256').update(`${deployment}\0${runId}`).digest('hex').slice(0, 10);
  const stem = `test-${deployment}`.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 50).replace(/-+$/, '');
  return `${stem}-${hash}`;
}

export function createProbeActivities(clients: KubeClients) {
  return {
    runWorkloadTest: async (input: RunWorkloadTestInput): Promise<TestReport> => {
      const { http, command, job } = input.test;
      if (http !== undefined) return runHttpCheck({ url: http.url, expectStatus: http.expectStatus, timeoutMs: http.timeoutSeconds * 1000 });
      if (command !== undefined) {
        const [program, ...args] = command.argv;
        if (program === undefined) throw failure('Validation', `test of ${input.namespace}/${input.deployment}: empty command`);
        return runCommandCheck({ command: [program, ...args], timeoutMs: command.timeoutSeconds * 1000 });
      }
      if (job !== undefined) {
        return runJobCheck(clients, {
          namespace: job.namespace ?? input.namespace,
          name: testJobName(input.deployment, input.runId),
          image: job.image,
          command: job.command,
          timeoutSeconds: job.timeoutSeconds,
          labels: { 'istio-upgrade-runbooks/tests': input.deployment },
        });
      }
      throw failure('Validation', `test of ${input.namespace}/${input.deployment}: expected one of http, command or job`);
    },
  };
}
