/**
 * The GitOps owner's git adapter against real git and a real bare repository: each hop's commit
 * lands on the change branch as the runbook's identity, a retry finds it instead of committing
 * twice, a rollback reverts it, and every setting git cannot work with is named before a write.
 */
import { execa } from 'execa';
import type { ResultPromise } from 'execa';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createGitActivities } from '../../../activities/git/activities.js';
import type { GitProposeInput } from '../../../activities/git/activities.js';
import { DEFAULT_AUTHOR } from '../../../activities/git/config.js';
import { serveOverHttp } from './gitops-http.js';
import { gitopsRepo, releasesYaml, RELEASES_FILE, VERSION_FIELD, type GitopsRepo } from './gitops-repo.js';

const activities = createGitActivities({ author: DEFAULT_AUTHOR, timeoutMs: 30_000 });
const repos: GitopsRepo[] = [];
afterAll(() => repos.forEach((repo) => repo.remove()));

async function repo(version = '1.26.4'): Promise<GitopsRepo> {
  const made = await gitopsRepo(version);
  repos.push(made);
  return made;
}

const BRANCH = 'istio-upgrade/prod';
const upgrade = { key: 'upgrade-7f3a@run-1', workflowId: 'upgrade-7f3a', cluster: 'prod-eu' };

function hop(url: string, fromVersion: string, version: string): GitProposeInput {
  return {
    repository: url,
    branch: BRANCH,
    baseBranch: 'main',
    files: [{ path: RELEASES_FILE, field: VERSION_FIELD }],
    version,
    fromVersion,
    upgrade,
    change: `owner@${version}`,
  };
}

async function failure(promise: Promise<unknown>): Promise<{ type: string; message: string }> {
  const error = (await promise.then(
    () => null,
    (e: unknown) => e,
  )) as { type?: string; message?: string } | null;
  if (error === null) throw new Error('expected a failure');
  return { type: error.type ?? '?', message: error.message ?? '' };
}

describe('the GitOps change branch', () => {
  it('commits 1.26.4 → 1.27.3 to istio-upgrade/prod from main as istio-upgrade, only the version lines changed, and a retry finds that commit', async () => {
    const gitops = await repo();
    const first = await activities.gitProposeChange(hop(gitops.url, '1.26.4', '1.27.3'));
    expect(first.outcome).toBe('committed');
    expect(first.branch).toBe(BRANCH);
    expect(await gitops.read(BRANCH)).toBe(releasesYaml('1.27.3'));
    expect(await gitops.read('main')).toBe(releasesYaml('1.26.4'));
    const [commit, base] = await gitops.log(BRANCH);
    expect(commit?.sha).toBe(first.commit);
    expect(commit?.author).toBe('istio-upgrade <istio-upgrade@localhost>');
    expect(commit?.message.split('\n')[0]).toBe('Istio 1.26.4 → 1.27.3 on prod-eu');
    expect(commit?.message).toContain('Upgrade upgrade-7f3a of cluster prod-eu');
    expect(commit?.message).toContain('Istio-Upgrade-Change: upgrade-7f3a@run-1 owner@1.27.3');
    expect(base?.message).toBe('prod cluster config');
    expect(first.diff).toContain('-      version: "1.26.4" # moved by the upgrade runbook, one minor per hop');
    expect(first.diff).toContain('+      version: "1.27.3" # moved by the upgrade runbook, one minor per hop');
    expect(first.diff).toContain('+      version: 1.27.3');
    expect(first.diff.split('\n').filter((line) => /^[-+][^-+]/.test(line))).toHaveLength(4);

    const retried = await activities.gitProposeChange(hop(gitops.url, '1.26.4', '1.27.3'));
    expect(retried).toEqual({ ...first, outcome: 'found' });
    expect(await gitops.log(BRANCH)).toHaveLength(2);
  });

  it('puts the next hop on the same branch once the team merged the first, and commits nothing for files already at the version', async () => {
    const gitops = await repo();
    await activities.gitProposeChange(hop(gitops.url, '1.26.4', '1.27.3'));
    await gitops.merge(BRANCH);
    const second = await activities.gitProposeChange(hop(gitops.url, '1.27.3', '1.28.0'));
    expect(second.outcome).toBe('committed');
    expect(await gitops.read(BRANCH)).toBe(releasesYaml('1.28.0'));
    const subjects = (await gitops.log(BRANCH)).map((c) => c.message.split('\n')[0]);
    // The merge's parents share a timestamp: their order in the log is not the point.
    expect(subjects.slice(0, 2)).toEqual(['Istio 1.27.3 → 1.28.0 on prod-eu', `Merge ${BRANCH}`]);
    expect(subjects.slice(2).sort()).toEqual(['Istio 1.26.4 → 1.27.3 on prod-eu', 'prod cluster config']);

    const fresh = await repo('1.27.3');
    const unchanged = await activities.gitProposeChange(hop(fresh.url, '1.26.4', '1.27.3'));
    expect(unchanged).toEqual({ branch: BRANCH, commit: null, outcome: 'unchanged', diff: '' });
    expect(await fresh.branches()).toEqual(['main']);
  });

  it('takes main into the branch after a squash merge, so the next hop merges without a conflict', async () => {
    const gitops = await repo();
    await activities.gitProposeChange(hop(gitops.url, '1.26.4', '1.27.3'));
    await gitops.squash(BRANCH);
    const second = await activities.gitProposeChange(hop(gitops.url, '1.27.3', '1.28.0'));
    expect(second.outcome).toBe('committed');
    expect(second.diff).toContain('+      version: 1.28.0');
    await gitops.squash(BRANCH);
    expect(await gitops.read('main')).toBe(releasesYaml('1.28.0'));
  });

  it('rolls back by reverting the hop commit on the branch, once however often it is retried', async () => {
    const gitops = await repo();
    const up = await activities.gitProposeChange(hop(gitops.url, '1.26.4', '1.27.3'));
    await gitops.merge(BRANCH);
    const back = {
      ...hop(gitops.url, '1.27.3', '1.26.4'),
      fromVersion: '1.27.3',
      upgrade: { ...upgrade, key: 'rollback-9c1@run-1', workflowId: 'rollback-9c1' },
      change: 'revert owner@1.26.4',
    };
    const reverted = await activities.gitRevertChange(back);
    expect(reverted.outcome).toBe('committed');
    expect(reverted.reverts).toBe(up.commit);
    expect(await gitops.read(BRANCH)).toBe(releasesYaml('1.26.4'));
    const [revert] = await gitops.log(BRANCH);
    expect(revert?.message.split('\n')[0]).toBe('Revert Istio 1.26.4 → 1.27.3 on prod-eu');
    expect(revert?.message).toContain(`Istio-Upgrade-Revert: ${up.commit ?? '?'}`);
    expect(reverted.diff).toContain('+      version: 1.26.4');

    expect(await activities.gitRevertChange(back)).toEqual({ ...reverted, outcome: 'found' });
    expect((await gitops.log(BRANCH)).filter((c) => c.message.startsWith('Revert'))).toHaveLength(1);
  });
});

describe('git access, checked before the first write', () => {
  it('reads the repository, finds each file and field on main, and may push the branch', async () => {
    const gitops = await repo();
    const access = await activities.gitCheckAccess(hop(gitops.url, '1.26.4', '1.27.3'));
    expect(access.checked).toEqual([
      `read ${gitops.url} (main)`,
      `${RELEASES_FILE} ${VERSION_FIELD} at 1.26.4, 1.26.4`,
      `may push ${BRANCH}`,
    ]);
    expect(await gitops.branches()).toEqual(['main']);
  });

  it('names the field git cannot work with: repository, baseBranch, a file, a field', async () => {
    const gitops = await repo();
    const input = hop(gitops.url, '1.26.4', '1.27.3');
    const cases: [Partial<GitProposeInput>, string, RegExp][] = [
      [{ repository: `${gitops.root}/nothing-here.git` }, 'install.gitops.repository', /cannot read/],
      [{ baseBranch: 'production' }, 'install.gitops.baseBranch', /has no branch production/],
      [
        { files: [{ path: 'clusters/prod/istio/missing.yaml', field: VERSION_FIELD }] },
        'install.gitops.files[0].path',
        /missing\.yaml is not on main/,
      ],
      [
        { files: [{ path: RELEASES_FILE, field: 'spec.source.targetRevision' }] },
        'install.gitops.files[0].field',
        /no spec\.source\.targetRevision in the file/,
      ],
      [{ repository: 'https://bot:ghp_abc123@github.com/acme/istio.git' }, 'install.gitops.repository', /credentials/],
    ];
    for (const [change, field, why] of cases) {
      const failed = await failure(activities.gitCheckAccess({ ...input, ...change }));
      expect(failed.type).toBe('Validation');
      expect(failed.message.startsWith(`${field}: `)).toBe(true);
      expect(failed.message).toMatch(why);
      expect(failed.message).not.toContain('ghp_abc123');
    }
    expect(await gitops.branches()).toEqual(['main']);
  });

  it("reaches a repository over HTTP through the worker's credential helper, and without one names install.gitops.repository", async () => {
    const gitops = await repo();
    const http = await serveOverHttp(gitops.root, 'istio-upgrade', 'tok-for-the-worker-only');
    const dir = mkdtempSync(join(tmpdir(), 'gitops-credentials-'));
    const config = join(dir, 'gitconfig');
    writeFileSync(
      config,
      `[credential]\n\thelper = "!f() { echo username=istio-upgrade; echo password=tok-for-the-worker-only; }; f"\n`,
    );
    const saved = process.env.GIT_CONFIG_GLOBAL;
    try {
      const input = hop(http.url('istio-config.git'), '1.26.4', '1.27.3');
      process.env.GIT_CONFIG_GLOBAL = join(dir, 'none');
      const refused = await failure(activities.gitCheckAccess(input));
      expect(refused.message).toMatch(
        /^install\.gitops\.repository: git cannot read http:\/\/127\.0\.0\.1:\d+\/istio-config\.git with the credentials it finds on this machine: .*terminal prompts disabled/,
      );
      process.env.GIT_CONFIG_GLOBAL = config;
      expect((await activities.gitCheckAccess(input)).checked).toContain(`may push ${BRANCH}`);
      const change = await activities.gitProposeChange(input);
      expect(change.outcome).toBe('committed');
      expect(JSON.stringify(change)).not.toContain('tok-for-the-worker-only');
      expect(await gitops.read(BRANCH)).toBe(releasesYaml('1.27.3'));
      expect(http.counts.refused).toBeGreaterThan(0);
    } finally {
      if (saved === undefined) delete process.env.GIT_CONFIG_GLOBAL;
      else process.env.GIT_CONFIG_GLOBAL = saved;
      await http.stop();
    }
  });

  it('refuses a repository it can read but not write (a read-only git daemon), naming install.gitops.repository', async () => {
    const gitops = await repo();
    const port = await freePort();
    const daemon: ResultPromise = execa(
      'git',
      ['daemon', '--export-all', `--base-path=${gitops.root}`, `--port=${port}`, '--listen=127.0.0.1', '--reuseaddr'],
      { reject: false },
    );
    try {
      const url = `git://127.0.0.1:${port}/istio-config.git`;
      await waitUntil(async () => (await execa('git', ['ls-remote', url], { reject: false })).exitCode === 0);
      const failed = await failure(activities.gitCheckAccess(hop(url, '1.26.4', '1.27.3')));
      expect(failed.type).toBe('Validation');
      expect(failed.message).toMatch(/^install\.gitops\.repository: git cannot push istio-upgrade\/prod/);
      const propose = await failure(activities.gitProposeChange(hop(url, '1.26.4', '1.27.3')));
      expect(propose.type).toBe('Conflict');
    } finally {
      daemon.kill();
      await daemon;
    }
    expect(await gitops.branches()).toEqual(['main']);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no free port')),
      );
    });
  });
}

async function waitUntil(ready: () => Promise<boolean>): Promise<void> {
  for (let tries = 0; tries < 50; tries++) {
    if (await ready()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the git daemon did not come up');
}
