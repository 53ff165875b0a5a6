/** Runs the test the spec names for a workload: exactly one of an HTTP check, a command, or a Job. */
import { createHash } from 'node:crypto';
import type { WorkloadTest } from '../../core/spec/index.js';
import { activityFailure } from '../failure.js';
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
   * The plan step that runs the test and the step's attempt (1 for its first run, 2 after an
   * operator's retry…): a retried activity finds the Job of its own attempt, a new attempt of
   * the step gets a new Job. Preferred over `runId`.
   */
  stepId?: string;
  attempt?: number;
  /** An older way to name the run, used when `stepId` is absent. */
  runId?: string;
}

/** Who a test Job belongs to: the step and its attempt, else the run id the workflow chose. */
export function testRunIdentity(
  input: Pick<RunWorkloadTestInput, 'stepId' | 'attempt' | 'runId' | 'namespace' | 'deployment'>,
): string {
  if (input.stepId !== undefined) {
    if (typeof input.stepId !== 'string' || input.stepId === '')
      throw activityFailure(
        'Validation',
        `test of ${input.namespace}/${input.deployment}: stepId: expected a non-empty string`,
        { details: { field: 'stepId' } },
      );
    const attempt = input.attempt ?? 1;
    if (!Number.isInteger(attempt) || attempt < 1)
      throw activityFailure(
        'Validation',
        `test of ${input.namespace}/${input.deployment}: attempt: expected a whole number from 1`,
        { details: { field: 'attempt' } },
      );
    return `${input.stepId}#${attempt}`;
  }
  if (typeof input.runId === 'string' && input.runId !== '') return input.runId;
  throw activityFailure(
    'Validation',
    `test of ${input.namespace}/${input.deployment}: stepId (or runId): expected one`,
    { details: { field: 'stepId' } },
  );
}

/** A DNS-1123 name under 63 characters, stable for the same inputs. */
export function testJobName(deployment: string, runIdentity: string): string {
  const hash = createHash('sha256').update(`${deployment}\0${runIdentity}`).digest('hex').slice(0, 10);
  const stem = `test-${deployment}`
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 50)
    .replace(/-+$/, '');
  return `${stem}-${hash}`;
}

export function createProbeActivities(clients: KubeClients) {
  return {
    runWorkloadTest: async (input: RunWorkloadTestInput): Promise<TestReport> => {
      const { http, command, job } = input.test;
      if (http !== undefined)
        return runHttpCheck({ url: http.url, expectStatus: http.expectStatus, timeoutMs: http.timeoutSeconds * 1000 });
      if (command !== undefined) {
        const [program, ...args] = command.argv;
        if (program === undefined)
          throw activityFailure('Validation', `test of ${input.namespace}/${input.deployment}: empty command`);
        return runCommandCheck({ command: [program, ...args], timeoutMs: command.timeoutSeconds * 1000 });
      }
      if (job !== undefined) {
        const run = testRunIdentity(input);
        return runJobCheck(clients, {
          namespace: job.namespace ?? input.namespace,
          name: testJobName(input.deployment, run),
          run,
          image: job.image,
          command: job.command,
          timeoutSeconds: job.timeoutSeconds,
          labels: { 'istio-upgrade-runbooks/tests': input.deployment },
        });
      }
      throw activityFailure(
        'Validation',
        `test of ${input.namespace}/${input.deployment}: expected one of http, command or job`,
      );
    },
  };
}
