/** `install.gitops`: its defaults, and a repository URL that would put a credential in history. */
import { describe, expect, it } from 'vitest';
import { formatProblems, parseSpec } from '../../../core/spec/parse.js';

const withRepository = (repository: string) => ({
  install: {
    method: 'helm',
    mode: 'sidecar',
    strategy: 'in-place',
    owner: 'gitops',
    gitops: {
      repository,
      branch: 'istio-upgrade/prod',
      files: [{ path: 'apps/istiod.yaml', field: 'spec.source.targetRevision' }],
    },
  },
  version: { target: '1.27.3' },
  approvals: { approvers: ['alice'] },
});

function problems(input: unknown): string {
  const result = parseSpec(input);
  return result.ok ? '' : formatProblems(result.problems);
}

describe('install.gitops', () => {
  it('syncs from main within 30 minutes unless told otherwise', () => {
    const result = parseSpec(withRepository('git@github.com:acme/platform-config.git'));
    expect(result.ok && result.spec.install.gitops).toMatchObject({ baseBranch: 'main', syncTimeout: 1_800 });
  });

  it.each([
    'https://istio-bot:glpat-s3cr3t@gitlab.example.com/platform/config.git',
    'https://ghp_0123456789abcdef@github.com/acme/config.git',
    'ssh://git:hunter2@git.example.com/config.git',
  ])('refuses %s, naming install.gitops.repository and never echoing the credential', (repository) => {
    const said = problems(withRepository(repository));
    expect(said).toBe(
      "install.gitops.repository: holds credentials, which would be stored in the upgrade's history: leave them to the worker's git credential helper or SSH key",
    );
  });

  it.each([
    'git@github.com:acme/platform-config.git',
    'ssh://git@github.com/acme/platform-config.git',
    'https://github.com/acme/platform-config.git',
    '/srv/git/platform-config.git',
  ])('takes %s: a user name alone, or none, is not a credential', (repository) => {
    expect(problems(withRepository(repository))).toBe('');
  });
});
