/**
 * Runs a real worker against a test environment for the duration of a callback.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Runtime, Worker } from '@temporalio/worker';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { resolve } from 'node:path';
import { projectRoot } from '../../scripts/tools.js';

const bundles = new Map<string, Promise<WorkflowBundleWithSourceMap>>();

/** Bundling takes seconds; do it once per workflows file per test process. */
export function workflowBundle(workflowsPath: string): Promise<WorkflowBundleWithSourceMap> {
  const path = resolve(projectRoot, workflowsPath);
  let bundle = bundles.get(path);
  if (!bundle) {
    bundle = bundleWorkflowCode({ workflowsPath: path, logger: Runtime.instance().logger });
    bundles.set(path, bundle);
  }
  return bundle;
}

export interface WorkerRun {
  taskQueue: string;
}

export async function withWorker<T>(
  env: TestWorkflowEnvironment,
  options: { workflowsPath: string; activities?: object },
  fn: (run: WorkerRun) => Promise<T>,
): Promise<T> {
  const taskQueue = `test-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: await workflowBundle(options.workflowsPath),
    ...(options.activities && { activities: options.activities }),
  });
  return worker.runUntil(fn({ taskQueue }));
}

/** Runs `fn` while every worker polls (one per cluster queue and the control queue), then shuts them all down. */
export function runWithWorkers<T>(workers: Worker[], fn: () => Promise<T>): Promise<T> {
  const [first, ...rest] = workers;
  return first === undefined ? fn() : first.runUntil(runWithWorkers(rest, fn));
}
