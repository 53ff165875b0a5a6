/**
 * `plan` and `start` with a GitOps owner, as real processes: the operator's own git must read the
 * repository, find each file and field on the base branch and be allowed to push the change
 * branch. Any of these failing exits 2 naming the spec field, before anything is written: no
 * branch in the repository, no write to the cluster, no upgrade started.
 */
import { execa } from 'execa';
import type { ResultPromise } from 'execa';
import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCluster } from '../activities/support/sim.js';
import type { SimCluster } from '../activities/support/sim.js';
import { gitopsRepo, RELEASES_FILE, VERSION_FIELD, type GitopsRepo } from '../activities/git/gitops-repo.js';
import { runCli } from '../support/cli.js';
import { standInToolsFolder } from '../../sim/index.js';

let cluster: SimCluster;
let repo: GitopsRepo;
let dir: string;
const tools = standInToolsFolder();

beforeAll(async () => {
  [cluster, repo, dir] = await Promise.all([
    startCluster('sidecarHelm'),
    gitopsRepo('1.26.4'),
    mkdtemp(join(tmpdir(), 'cli-gitops-')),
  ]);
});
afterAll(async () => {
  await cluster?.stop();
  repo?.remove();
});
afterEach(async () => {
  expect(cluster.sim.writeLog).toEqual([]);
  expect(await repo.branches()).toEqual(['main']);
});

interface Gitops {
  repository: string;
  branch?: string;
  baseBranch?: string;
  files?: { path: string; field: string }[];
}

async function spec(gitops: Gitops): Promise<string> {
  const file = join(dir, `spec-${randomUUID()}.yaml`);
  const settings = { branch: 'istio-upgrade/prod', files: [{ path: RELEASES_FILE, field: VERSION_FIELD }], ...gitops };
  await writeFile(
    file,
    `cluster: { name: prod-eu, context: sim }
install: { method: helm, mode: sidecar, strategy: in-place, owner: gitops, gitops: ${JSON.stringify(settings)} }
version: { target: 1.26.5 }
approvals: { approvers: [alice, bob] }
`,
  );
  return file;
}

// No Temporal address: `start` must stop before it would reach the server.
const cli = (...args: string[]) =>
  runCli([...args, '--kubeconfig', cluster.sim.kubeconfigPath], {
    ISTIO_TOOLS_PATH: tools,
    HOME: dir,
    PATH: process.env.PATH ?? '',
  });

describe('plan and start with install.owner gitops', () => {
  it('plan: a readable, writable repository with the file and field passes, and the plan says who applies each step', async () => {
    const result = await cli('plan', '-f', await spec({ repository: repo.url }));
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Through GitOps: the chart version 1.26.5 is committed to the change branch');
    expect(result.stdout).toContain("Applied when the hop's commit syncs; verified here.");
  });

  it('plan and start: each setting git cannot work with exits 2 naming its field', async () => {
    const cases: [Gitops, string][] = [
      [{ repository: join(dir, 'no-such-repo.git') }, 'install.gitops.repository: git cannot read'],
      [
        { repository: repo.url, baseBranch: 'production' },
        `install.gitops.baseBranch: ${repo.url} has no branch production`,
      ],
      [
        { repository: repo.url, files: [{ path: 'clusters/prod/istio/istiod.yaml', field: VERSION_FIELD }] },
        'install.gitops.files[0].path: clusters/prod/istio/istiod.yaml is not on main',
      ],
      [
        { repository: repo.url, files: [{ path: RELEASES_FILE, field: 'spec.source.targetRevision' }] },
        `install.gitops.files[0].field: ${RELEASES_FILE}: no spec.source.targetRevision in the file`,
      ],
    ];
    for (const [gitops, says] of cases) {
      const file = await spec(gitops);
      for (const command of ['plan', 'start']) {
        const result = await cli(command, '-f', file);
        expect(result.exitCode, `${command} ${says}`).toBe(2);
        expect(result.stderr).toContain(says);
        expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
      }
    }
  }, 180_000); // five settings × plan and start, each a CLI process: slow beside the rest of the suite

  it('plan and start: a repository URL holding a token exits 2 naming install.gitops.repository, the token never printed', async () => {
    const file = await spec({ repository: 'https://istio-bot:glpat-s3cr3t-9x@gitlab.example.com/platform/prod.git' });
    for (const command of ['plan', 'start']) {
      const result = await cli(command, '-f', file);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain(
        "install.gitops.repository: holds credentials, which would be stored in the upgrade's history",
      );
      expect(result.stderr + result.stdout).not.toContain('glpat-s3cr3t-9x');
    }
  });

  it('plan and start: a repository this machine may read but not push to (a read-only git daemon) exits 2 naming install.gitops.repository', async () => {
    const port = await freePort();
    const daemon: ResultPromise = execa(
      'git',
      ['daemon', '--export-all', `--base-path=${repo.root}`, `--port=${port}`, '--listen=127.0.0.1', '--reuseaddr'],
      { reject: false },
    );
    try {
      const url = `git://127.0.0.1:${port}/istio-config.git`;
      for (let tries = 0; (await execa('git', ['ls-remote', url], { reject: false })).exitCode !== 0; tries++) {
        if (tries > 50) throw new Error('the git daemon did not come up');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const file = await spec({ repository: url });
      for (const command of ['plan', 'start']) {
        const result = await cli(command, '-f', file);
        expect(result.exitCode).toBe(2);
        expect(result.stderr).toContain(`install.gitops.repository: git cannot push istio-upgrade/prod to ${url}`);
      }
    } finally {
      daemon.kill();
      await daemon;
    }
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
