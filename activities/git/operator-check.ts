/**
 * The CLI's `plan` and `start` check a GitOps owner's settings on the operator's machine, with
 * the operator's git and credentials, exactly as the workflow's precheck does on the worker:
 * before anything is written, each problem named by its spec field (exit 2).
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Spec } from '../../core/spec/schema.js';
import type { SpecProblem } from '../../core/spec/parse.js';
import { createGitActivities } from './activities.js';
import { gitConfigFromEnv } from './config.js';

export async function gitopsSettingsProblems(spec: Spec): Promise<SpecProblem[]> {
  const settings = spec.install.gitops;
  if (spec.install.owner !== 'gitops' || settings === undefined) return [];
  try {
    await createGitActivities(gitConfigFromEnv()).gitCheckAccess({
      repository: settings.repository,
      branch: settings.branch,
      baseBranch: settings.baseBranch,
      files: settings.files,
    });
    return [];
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const named = /^(install\.gitops\.[\w.[\]]+): ([\s\S]*)$/.exec(message);
    if (named?.[1] !== undefined && named[2] !== undefined) return [{ path: named[1], message: named[2] }];
    const type = error instanceof ApplicationFailure ? ` (${error.type ?? 'failure'})` : '';
    return [{ path: 'install.gitops.repository', message: `git cannot work with it here${type}: ${message}` }];
  }
}
