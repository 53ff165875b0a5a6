/**
 * The CLI's one kubeconfig loader: each problem with the file or the context is a usage error
 * (exit 2) naming the flag that fixes it; a good file comes back with the chosen context current.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CliError } from '../../client/errors.js';
import { loadKubeConfig, type KubeconfigChoice } from '../../client/kubeconfig.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubeconfig-'));
});
afterEach(() => {
  vi.unstubAllEnvs();
});

const clusters =
  'clusters:\n  - { name: mesh, cluster: { server: "https://mesh.example:6443" } }\n  - { name: lab, cluster: { server: "https://lab.example:6443" } }\n';
const users = 'users:\n  - { name: admin, user: { token: t } }\n';

async function kubeconfig(text: string): Promise<string> {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, text);
  return file;
}

/** The usage error the loader throws for this choice: its exit code, message and problems. */
async function refusal(choice: KubeconfigChoice): Promise<CliError> {
  const error = await loadKubeConfig(choice).then(
    () => null,
    (err: unknown) => err,
  );
  if (!(error instanceof CliError)) throw new Error(`expected a CliError, got ${String(error)}`);
  expect(error.exitCode).toBe(2);
  expect(error.problems).toHaveLength(1);
  expect(error.message).toBe(`${error.problems[0]?.path ?? ''}: ${error.problems[0]?.message ?? ''}`);
  return error;
}

describe('loadKubeConfig', () => {
  it('names --kubeconfig when the file is missing', async () => {
    const missing = join(dir, 'nope.yaml');
    const error = await refusal({ kubeconfig: missing });
    expect(error.message).toMatch(new RegExp(`^--kubeconfig: cannot read ${missing}: ENOENT`));
  });

  it('names --kubeconfig when the file is not YAML, or not a kubeconfig', async () => {
    const broken = await kubeconfig('clusters: [\n  { name: mesh\n');
    expect((await refusal({ kubeconfig: broken })).message).toContain(`--kubeconfig: ${broken} is not a kubeconfig: `);
    const contextWithoutCluster = await kubeconfig(
      `${clusters}${users}contexts:\n  - { name: mesh, context: { user: admin } }\n`,
    );
    expect((await refusal({ kubeconfig: contextWithoutCluster })).message).toBe(
      `--kubeconfig: ${contextWithoutCluster} is not a kubeconfig: contexts[0].context.cluster is missing`,
    );
  });

  it('names --context when the kubeconfig has no such context', async () => {
    const file = await kubeconfig(
      `${clusters}${users}contexts:\n  - { name: mesh, context: { cluster: mesh, user: admin } }\ncurrent-context: mesh\n`,
    );
    expect((await refusal({ kubeconfig: file, context: 'kind-mesh' })).message).toBe(
      '--context: no context "kind-mesh" in the kubeconfig',
    );
  });

  it('names --context when the chosen context has no cluster or no user the file defines', async () => {
    const file = await kubeconfig(
      `${clusters}${users}contexts:\n  - { name: gone-cluster, context: { cluster: prod, user: admin } }\n  - { name: no-user, context: { cluster: mesh } }\n  - { name: gone-user, context: { cluster: mesh, user: bob } }\n`,
    );
    expect((await refusal({ kubeconfig: file, context: 'gone-cluster' })).message).toBe(
      '--context: context "gone-cluster" names cluster "prod", which the kubeconfig does not define',
    );
    expect((await refusal({ kubeconfig: file, context: 'no-user' })).message).toBe(
      '--context: context "no-user" names no user',
    );
    expect((await refusal({ kubeconfig: file, context: 'gone-user' })).message).toBe(
      '--context: context "gone-user" names user "bob", which the kubeconfig does not define',
    );
  });

  it('names --kubeconfig when its current-context is missing, unknown or incomplete', async () => {
    const contexts =
      'contexts:\n  - { name: mesh, context: { cluster: mesh, user: admin } }\n  - { name: no-user, context: { cluster: mesh } }\n';
    expect((await refusal({ kubeconfig: await kubeconfig(`${clusters}${users}${contexts}`) })).message).toBe(
      '--kubeconfig: the kubeconfig has no current-context; choose a context with --context',
    );
    expect(
      (await refusal({ kubeconfig: await kubeconfig(`${clusters}${users}${contexts}current-context: prod\n`) }))
        .message,
    ).toBe('--kubeconfig: current-context "prod" is not among the kubeconfig\'s contexts; choose one with --context');
    expect(
      (await refusal({ kubeconfig: await kubeconfig(`${clusters}${users}${contexts}current-context: no-user\n`) }))
        .message,
    ).toBe('--kubeconfig: current-context "no-user" names no user');
  });

  it("returns a good kubeconfig with the chosen context current, else the file's", async () => {
    const file = await kubeconfig(
      `${clusters}${users}contexts:\n  - { name: mesh, context: { cluster: mesh, user: admin } }\n  - { name: lab, context: { cluster: lab, user: admin } }\ncurrent-context: mesh\n`,
    );
    const chosen = await loadKubeConfig({ kubeconfig: file, context: 'lab' });
    expect(chosen.getCurrentContext()).toBe('lab');
    expect(chosen.getCurrentCluster()?.server).toBe('https://lab.example:6443');
    expect(chosen.getCurrentUser()?.name).toBe('admin');
    expect((await loadKubeConfig({ kubeconfig: file })).getCurrentCluster()?.server).toBe('https://mesh.example:6443');
  });

  it('without --kubeconfig reads KUBECONFIG, and names it when it cannot be loaded', async () => {
    const file = await kubeconfig(
      `${clusters}${users}contexts:\n  - { name: mesh, context: { cluster: mesh, user: admin } }\ncurrent-context: mesh\n`,
    );
    vi.stubEnv('KUBECONFIG', file);
    expect((await loadKubeConfig({})).getCurrentContext()).toBe('mesh');
    const missing = join(dir, 'gone.yaml');
    vi.stubEnv('KUBECONFIG', missing);
    expect((await refusal({})).message).toMatch(
      new RegExp(
        `^--kubeconfig: not given, and the default kubeconfig \\(KUBECONFIG=${missing}\\) cannot be loaded: ENOENT`,
      ),
    );
  });
});
