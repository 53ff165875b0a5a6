/**
 * Git adapters for a mesh whose Helm releases a GitOps syncer (Argo CD, Flux) owns: the runbook
 * proposes each hop as a commit on a change branch for the team to merge, and never touches the
 * releases itself. Each call works in a fresh clone under the worker's temp dir, removed after.
 *
 * Idempotent by trailers: every commit names the upgrade and the change
 * (`Istio-Upgrade-Change: <upgrade> owner@1.27.3`), so a retried activity finds the commit it
 * already pushed instead of committing twice; a revert names the commit it reverts
 * (`Istio-Upgrade-Revert: <sha>`). Pushes never force: a branch someone else moved meanwhile is
 * a conflict, retried from a fresh clone.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPOSITORY_CREDENTIALS, repositoryHoldsCredentials } from '../../core/spec/schema.js';
import { activityFailure } from '../failure.js';
import type { GitConfig } from './config.js';
import { setField } from './fields.js';
import { git, type GitOptions } from './run.js';

/** The spec's `install.gitops` as the activities need it. */
export interface GitRepositoryInput {
  repository: string;
  branch: string;
  baseBranch: string;
  files: { path: string; field: string }[];
}

export interface GitUpgradeRef {
  /** Unique to the upgrade (workflow id and first run id): the trailer a retry finds its commit by. */
  key: string;
  workflowId: string;
  cluster: string | null;
}

export interface GitProposeInput extends GitRepositoryInput {
  /** The hop's chart version. */
  version: string;
  fromVersion: string | null;
  upgrade: GitUpgradeRef;
  /** The plan's name for the hop's change, `owner@1.27.3`. */
  change: string;
}

export interface GitRevertInput extends GitRepositoryInput {
  /** The version going back to. */
  version: string;
  /** The version of the hop being undone: its commit is the one reverted. */
  fromVersion: string;
  upgrade: GitUpgradeRef;
  change: string;
}

export interface GitChange {
  branch: string;
  /** The commit holding the change; null when the files already held the version. */
  commit: string | null;
  /** committed now; found (an earlier attempt pushed it); unchanged (nothing to commit). */
  outcome: 'committed' | 'found' | 'unchanged';
  /** The commit's diff, cut to a size a gate and a step note can show. */
  diff: string;
  /** For a revert: the commit it reverts, or null when none was found and the version was set back instead. */
  reverts?: string | null;
}

export interface GitAccess {
  repository: string;
  /** What was checked, for the precheck's note. */
  checked: string[];
}

const DIFF_LIMIT = 4_000;
const CHANGE_TRAILER = 'Istio-Upgrade-Change';
const VERSION_TRAILER = 'Istio-Upgrade-Version';
const REVERT_TRAILER = 'Istio-Upgrade-Revert';

const field = (name: string) => `install.gitops.${name}`;
const bad = (name: string, why: string) =>
  activityFailure('Validation', `${field(name)}: ${why}`, { details: { field: field(name) } });

function validate(input: GitRepositoryInput): void {
  if (typeof input.repository !== 'string' || input.repository.trim() === '')
    throw bad('repository', 'expected a repository');
  if (repositoryHoldsCredentials(input.repository)) throw bad('repository', REPOSITORY_CREDENTIALS);
  for (const name of ['branch', 'baseBranch'] as const)
    if (typeof input[name] !== 'string' || !/^(?!-)(?!.*\.\.)[A-Za-z0-9._/-]+$/.test(input[name]))
      throw bad(name, 'expected a branch name');
  if (!Array.isArray(input.files) || input.files.length === 0) throw bad('files', 'expected at least one file');
  input.files.forEach((file, index) => {
    if (typeof file.path !== 'string' || file.path.startsWith('/') || file.path.split('/').includes('..'))
      throw bad(`files[${index}].path`, 'expected a path inside the repository');
  });
}

function cut(diff: string): string {
  return diff.length <= DIFF_LIMIT
    ? diff
    : `${diff.slice(0, DIFF_LIMIT)}\n… (${diff.length - DIFF_LIMIT} more characters: see the commit)`;
}

interface Commit {
  sha: string;
  body: string;
}

/** A clone of the repository's base branch (and change branch, when it exists), removed afterwards. */
class Clone {
  private constructor(
    readonly dir: string,
    readonly input: GitRepositoryInput,
    readonly config: GitConfig,
    readonly branchExists: boolean,
  ) {}

  static async open<T>(
    input: GitRepositoryInput,
    config: GitConfig,
    unreachable: 'Validation' | 'Unavailable',
    work: (clone: Clone) => Promise<T>,
  ): Promise<T> {
    validate(input);
    const dir = await mkdtemp(join(tmpdir(), 'istio-upgrade-git-'));
    try {
      const options = { timeoutMs: config.timeoutMs };
      await git(['init', '--quiet', dir], options);
      await git(['-C', dir, 'remote', 'add', 'origin', input.repository], options);
      const heads = await git(['-C', dir, 'ls-remote', '--heads', 'origin'], {
        ...options,
        fails: {
          type: unreachable,
          says: `${field('repository')}: git cannot read ${input.repository} with the credentials it finds on this machine`,
        },
      });
      const names = new Set(heads.stdout.split('\n').map((line) => line.split('\t')[1]?.replace(/^refs\/heads\//, '')));
      if (!names.has(input.baseBranch))
        throw bad('baseBranch', `${input.repository} has no branch ${input.baseBranch}`);
      const branchExists = names.has(input.branch);
      const refs = [input.baseBranch, ...(branchExists ? [input.branch] : [])].map(
        (name) => `+refs/heads/${name}:refs/remotes/origin/${name}`,
      );
      await git(['-C', dir, 'fetch', '--quiet', '--no-tags', 'origin', ...refs], {
        ...options,
        fails: { type: 'Unavailable', says: `fetching ${input.repository}` },
      });
      return await work(new Clone(dir, input, config, branchExists));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  run(args: readonly string[], options: Partial<GitOptions> = {}) {
    const { name, email } = this.config.author;
    return git(
      ['-C', this.dir, '-c', `user.name=${name}`, '-c', `user.email=${email}`, '-c', 'commit.gpgsign=false', ...args],
      { timeoutMs: this.config.timeoutMs, ...options },
    );
  }

  /** The remote refs a commit of this change may be on: the change branch, or the base it was merged into. */
  private get refs(): string[] {
    return [`origin/${this.input.baseBranch}`, ...(this.branchExists ? [`origin/${this.input.branch}`] : [])];
  }

  /** Commits reachable from the branch or its base, newest first, with their messages. */
  async commits(): Promise<Commit[]> {
    const { stdout } = await this.run(['log', '--format=%H%x1f%B%x1e', ...this.refs]);
    return stdout
      .split('\x1e')
      .map((entry) => entry.trim())
      .filter(Boolean)
      .map((entry) => {
        const [sha = '', body = ''] = entry.split('\x1f');
        return { sha, body };
      });
  }

  /** The change branch checked out: the existing one brought up to its base (the team may have merged the last hop), else a new one from the base. */
  async checkoutBranch(): Promise<void> {
    const { branch, baseBranch } = this.input;
    if (!this.branchExists) {
      await this.run(['checkout', '--quiet', '-b', branch, `origin/${baseBranch}`]);
      return;
    }
    await this.run(['checkout', '--quiet', '-b', branch, `origin/${branch}`]);
    const behind = await this.run(['merge-base', '--is-ancestor', `origin/${baseBranch}`, 'HEAD'], {
      okExitCodes: [1],
    });
    if (behind.exitCode === 0) return;
    await this.run(['merge', '--quiet', '--no-edit', `origin/${baseBranch}`], {
      fails: {
        type: 'CommandFailed',
        says: `branch ${branch} cannot take ${baseBranch} without a conflict (merge or delete it, then retry)`,
      },
    });
  }

  /** Sets every configured field to `version`; returns whether a file changed. */
  async setVersion(version: string): Promise<boolean> {
    let changed = false;
    for (const [index, file] of this.input.files.entries()) {
      const path = join(this.dir, file.path);
      const text = await readFile(path, 'utf8').catch(() => null);
      if (text === null)
        throw bad(
          `files[${index}].path`,
          `${file.path} is not on ${this.input.branch} (from ${this.input.baseBranch})`,
        );
      const edit = setField(text, file.field, version);
      if (!edit.found) throw bad(`files[${index}].field`, `${file.path}: ${edit.why}`);
      if (edit.changed) {
        await writeFile(path, edit.text);
        await this.run(['add', '--', file.path]);
        changed = true;
      }
    }
    return changed;
  }

  async commitAndPush(message: string): Promise<string> {
    await this.run(['commit', '--quiet', '--no-verify', '-m', message]);
    await this.run(['push', '--quiet', 'origin', `HEAD:refs/heads/${this.input.branch}`], {
      fails: {
        type: 'Conflict',
        says: `pushing ${this.input.branch} to ${this.input.repository} (another push may have moved it: a fresh clone retries)`,
      },
    });
    return (await this.run(['rev-parse', 'HEAD'])).stdout.trim();
  }

  async diff(commit: string): Promise<string> {
    return cut((await this.run(['show', '--format=', '--no-color', commit])).stdout.trim());
  }
}

function hasTrailer(body: string, name: string, value: string): boolean {
  return body.split('\n').some((line) => line.trim() === `${name}: ${value}`);
}

function trailer(body: string, name: string): string | null {
  const line = body.split('\n').find((text) => text.startsWith(`${name}: `));
  return line === undefined ? null : line.slice(name.length + 2).trim();
}

function hopTitle(cluster: string | null, from: string | null, to: string): string {
  return `Istio ${from ?? '?'} → ${to}${cluster === null ? '' : ` on ${cluster}`}`;
}

export function createGitActivities(config: GitConfig) {
  return {
    /**
     * Before the first write (the workflow's precheck, the CLI's plan and start): git runs, reads
     * the repository with the worker's credentials, finds the base branch, each file and field
     * there, and may push the change branch (`git push --dry-run`). Each problem names its field.
     */
    gitCheckAccess: (input: GitRepositoryInput): Promise<GitAccess> =>
      Clone.open(input, config, 'Validation', async (clone) => {
        await clone.run(['checkout', '--quiet', '-b', input.branch, `origin/${input.baseBranch}`]);
        const checked = [`read ${input.repository} (${input.baseBranch})`];
        for (const [index, file] of input.files.entries()) {
          const text = await readFile(join(clone.dir, file.path), 'utf8').catch(() => null);
          if (text === null) throw bad(`files[${index}].path`, `${file.path} is not on ${input.baseBranch}`);
          const found = setField(text, file.field, '0.0.0');
          if (!found.found) throw bad(`files[${index}].field`, `${file.path}: ${found.why}`);
          checked.push(`${file.path} ${file.field} at ${found.before.join(', ')}`);
        }
        const target = clone.branchExists ? `origin/${input.branch}` : 'HEAD';
        await clone.run(['push', '--dry-run', '--quiet', 'origin', `${target}:refs/heads/${input.branch}`], {
          fails: {
            type: 'Validation',
            says: `${field('repository')}: git cannot push ${input.branch} to ${input.repository} with the credentials it finds on this machine`,
          },
        });
        checked.push(`may push ${input.branch}`);
        return { repository: input.repository, checked };
      }),

    /** A hop's change: the version in every configured field, committed on the change branch and pushed. */
    gitProposeChange: (input: GitProposeInput): Promise<GitChange> =>
      Clone.open(input, config, 'Unavailable', async (clone) => {
        const mark = `${input.upgrade.key} ${input.change}`;
        const earlier = (await clone.commits()).find((commit) => hasTrailer(commit.body, CHANGE_TRAILER, mark));
        if (earlier !== undefined)
          return { branch: input.branch, commit: earlier.sha, outcome: 'found', diff: await clone.diff(earlier.sha) };
        await clone.checkoutBranch();
        if (!(await clone.setVersion(input.version)))
          return { branch: input.branch, commit: null, outcome: 'unchanged', diff: '' };
        const message = [
          hopTitle(input.upgrade.cluster, input.fromVersion, input.version),
          '',
          `Upgrade ${input.upgrade.workflowId}${input.upgrade.cluster === null ? '' : ` of cluster ${input.upgrade.cluster}`} moves the Istio charts from ${input.fromVersion ?? 'the running version'} to ${input.version}, one minor per hop.`,
          'Merge it for the syncer to apply; the runbook waits for the cluster to run it, then verifies and restarts workloads.',
          '',
          `${CHANGE_TRAILER}: ${mark}`,
          `${VERSION_TRAILER}: ${input.version}`,
        ].join('\n');
        const commit = await clone.commitAndPush(message);
        return { branch: input.branch, commit, outcome: 'committed', diff: await clone.diff(commit) };
      }),

    /**
     * A rollback's hop: `git revert` of the commit that moved the charts to `fromVersion`, on the
     * change branch; without such a commit (the files were already there, or history was
     * rewritten) the fields are set back to `version` instead. Either way the files end at `version`.
     */
    gitRevertChange: (input: GitRevertInput): Promise<GitChange> =>
      Clone.open(input, config, 'Unavailable', async (clone) => {
        const mark = `${input.upgrade.key} ${input.change}`;
        const commits = await clone.commits();
        const earlier = commits.find((commit) => hasTrailer(commit.body, CHANGE_TRAILER, mark));
        if (earlier !== undefined)
          return {
            branch: input.branch,
            commit: earlier.sha,
            outcome: 'found',
            diff: await clone.diff(earlier.sha),
            reverts: trailer(earlier.body, REVERT_TRAILER),
          };
        // The newest commit that moved the charts to the version being left, unless a revert already undid it.
        const hop = commits.find(
          (commit) =>
            hasTrailer(commit.body, VERSION_TRAILER, input.fromVersion) &&
            trailer(commit.body, REVERT_TRAILER) === null &&
            !commits.some((other) => hasTrailer(other.body, REVERT_TRAILER, commit.sha)),
        );
        await clone.checkoutBranch();
        if (hop !== undefined)
          await clone.run(['revert', '--no-commit', hop.sha], {
            fails: {
              type: 'CommandFailed',
              says: `reverting ${hop.sha.slice(0, 12)} on ${input.branch} conflicts (revert it by hand, then retry)`,
            },
          });
        // A revert restores what the hop replaced; setting the fields makes sure that is `version`.
        const changed = (await clone.setVersion(input.version)) || hop !== undefined;
        const staged = await clone.run(['diff', '--cached', '--quiet'], { okExitCodes: [1] });
        if (!changed || staged.exitCode === 0)
          return { branch: input.branch, commit: null, outcome: 'unchanged', diff: '', reverts: hop?.sha ?? null };
        const message = [
          `Revert ${hopTitle(input.upgrade.cluster, input.version, input.fromVersion)}`,
          '',
          `Rollback ${input.upgrade.workflowId}${input.upgrade.cluster === null ? '' : ` of cluster ${input.upgrade.cluster}`} takes the Istio charts back from ${input.fromVersion} to ${input.version}${hop === undefined ? '' : ` (reverts ${hop.sha})`}.`,
          '',
          `${CHANGE_TRAILER}: ${mark}`,
          `${VERSION_TRAILER}: ${input.version}`,
          ...(hop === undefined ? [] : [`${REVERT_TRAILER}: ${hop.sha}`]),
        ].join('\n');
        const commit = await clone.commitAndPush(message);
        return {
          branch: input.branch,
          commit,
          outcome: 'committed',
          diff: await clone.diff(commit),
          reverts: hop?.sha ?? null,
        };
      }),
  };
}

export type GitActivities = ReturnType<typeof createGitActivities>;
