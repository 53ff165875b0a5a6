/**
 * A GitOps repository for tests: a real bare repository in a temp dir, its `main` holding the
 * Flux HelmReleases of an Istio install (base and istiod in one file, with the team's comments),
 * and what a team does with the runbook's branch: look at it, merge it, read the merged files.
 */
import { execa } from 'execa';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const RELEASES_FILE = 'clusters/prod/istio/releases.yaml';
export const VERSION_FIELD = 'spec.chart.spec.version';

export function releasesYaml(version: string): string {
  return `# Istio's Helm releases on prod, synced by Flux. Reviewed by the platform team.
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: istio-base
  namespace: istio-system
spec:
  chart:
    spec:
      chart: base
      version: "${version}" # moved by the upgrade runbook, one minor per hop
      sourceRef: {kind: HelmRepository, name: istio}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: istiod
  namespace: istio-system
spec:
  dependsOn: [{name: istio-base}]
  chart:
    spec:
      chart: istiod
      version: ${version}
      sourceRef: {kind: HelmRepository, name: istio}
`;
}

/** An ambient mesh's four releases, istiod and istio-cni with the ambient profile, as the Helm guide installs them. */
export function ambientReleasesYaml(version: string): string {
  const release = (name: string, chart: string, values: string) => `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: ${name}
  namespace: istio-system
spec:
  chart:
    spec:
      chart: ${chart}
      version: ${version}
      sourceRef: {kind: HelmRepository, name: istio}
${values}`;
  return [
    release('istio-base', 'base', ''),
    release('istiod', 'istiod', '  values: {profile: ambient}\n'),
    release('istio-cni', 'cni', '  values: {profile: ambient}\n'),
    release('ztunnel', 'ztunnel', ''),
  ].join('---\n');
}

export const git = async (dir: string, ...args: string[]) =>
  (
    await execa('git', ['-C', dir, '-c', 'user.name=platform-team', '-c', 'user.email=team@example.com', ...args], {
      env: { GIT_TERMINAL_PROMPT: '0' },
    })
  ).stdout;

export interface GitopsRepo {
  /** The bare repository's path: what the spec's `install.gitops.repository` names. */
  url: string;
  root: string;
  /** A file on a branch of the bare repository, or null when absent. */
  read(ref: string, path?: string): Promise<string | null>;
  /** `git log --format=%s%n%b` of a ref, newest first, as one text per commit (subject, author, body). */
  log(ref: string): Promise<{ sha: string; author: string; message: string }[]>;
  /** The team's review: a merge commit of `branch` into `main`, pushed. */
  merge(branch: string): Promise<void>;
  /** A squash merge: the branch's changes as one new commit on `main`, the branch left as it was. */
  squash(branch: string): Promise<void>;
  branches(): Promise<string[]>;
  remove(): void;
}

export async function gitopsRepo(version: string, options: { ambient?: boolean } = {}): Promise<GitopsRepo> {
  const root = mkdtempSync(join(tmpdir(), 'gitops-repo-'));
  const url = join(root, 'istio-config.git');
  const work = join(root, 'team');
  await execa('git', ['init', '--quiet', '--bare', '--initial-branch=main', url]);
  await execa('git', ['clone', '--quiet', url, work]);
  const releases = options.ambient === true ? ambientReleasesYaml(version) : releasesYaml(version);
  const files = { [RELEASES_FILE]: releases, 'README.md': '# prod cluster config\n' };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(work, path, '..'), { recursive: true });
    writeFileSync(join(work, path), text);
  }
  await git(work, 'checkout', '--quiet', '-b', 'main');
  await git(work, 'add', '.');
  await git(work, 'commit', '--quiet', '-m', 'prod cluster config');
  await git(work, 'push', '--quiet', 'origin', 'main');
  return {
    url,
    root,
    read: async (ref, path = RELEASES_FILE) => {
      try {
        // Byte for byte, final newline included: the runbook must leave the team's layout as it was.
        return (await execa('git', ['-C', url, 'show', `${ref}:${path}`], { stripFinalNewline: false })).stdout;
      } catch {
        return null;
      }
    },
    log: async (ref) => {
      const text = await git(url, 'log', '--format=%H%x1f%an <%ae>%x1f%B%x1e', ref);
      return text
        .split('\x1e')
        .map((entry) => entry.trim())
        .filter(Boolean)
        .map((entry) => {
          const [sha = '', author = '', message = ''] = entry.split('\x1f');
          return { sha, author, message: message.trim() };
        });
    },
    merge: async (branch) => {
      await git(work, 'fetch', '--quiet', 'origin');
      await git(work, 'checkout', '--quiet', 'main');
      await git(work, 'reset', '--quiet', '--hard', 'origin/main');
      await git(work, 'merge', '--quiet', '--no-ff', '-m', `Merge ${branch}`, `origin/${branch}`);
      await git(work, 'push', '--quiet', 'origin', 'main');
    },
    squash: async (branch) => {
      await git(work, 'fetch', '--quiet', 'origin');
      await git(work, 'checkout', '--quiet', 'main');
      await git(work, 'reset', '--quiet', '--hard', 'origin/main');
      await git(work, 'merge', '--quiet', '--squash', `origin/${branch}`);
      await git(work, 'commit', '--quiet', '-m', `${branch} (squashed)`);
      await git(work, 'push', '--quiet', 'origin', 'main');
    },
    branches: async () =>
      (await git(url, 'for-each-ref', '--format=%(refname:short)', 'refs/heads')).split('\n').filter(Boolean),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
