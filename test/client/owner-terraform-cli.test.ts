/**
 * `plan` and `start` with a Terraform owner whose settings cannot work, as real processes against
 * the simulated cluster and the dev server: each exits 2 naming the spec field before anything is
 * written (no workflow started, no cluster write); good settings plan through Terraform.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { standInToolsFolder } from '../../sim/index.js';
import { startCluster, type SimCluster } from '../activities/support/sim.js';
import { runCli } from '../support/cli.js';
import { devServerEnv } from '../support/temporal.js';
import { SIDECAR_RELEASES, terraformModule, type TerraformModule } from '../workflows/support/terraform-module.js';

let env: TestWorkflowEnvironment;
let cluster: SimCluster;
let dir: string;
let module: TerraformModule;
// No worker polls this queue: a start that got through would sit there, visible to the list below.
const taskQueue = `owner-terraform-cli-${randomUUID()}`;

beforeAll(async () => {
  [env, cluster, dir] = await Promise.all([
    devServerEnv(),
    startCluster('sidecarHelm'),
    mkdtemp(join(tmpdir(), 'tf-cli-')),
  ]);
  module = terraformModule(cluster, SIDECAR_RELEASES);
});
afterAll(async () => {
  await Promise.all([env?.teardown(), cluster?.stop()]);
});
afterEach(() => {
  expect(cluster.sim.writeLog).toEqual([]);
});

const tools = standInToolsFolder();

function cli(...args: string[]) {
  return runCli(args, {
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: 'default',
    ISTIO_UPGRADE_TASK_QUEUE: taskQueue,
    ISTIO_UPGRADE_USER: 'carol',
    ISTIO_TOOLS_PATH: tools,
    PATH: process.env.PATH ?? '',
  });
}

async function specFile(terraform: string): Promise<string> {
  const file = join(dir, `spec-${randomUUID()}.yaml`);
  await writeFile(
    file,
    `cluster: { name: tf-${randomUUID().slice(0, 8)}, context: sim }\ninstall: { method: helm, mode: sidecar, strategy: in-place, owner: terraform${terraform} }\nversion: { target: 1.27.3 }\napprovals: { approvers: [alice, bob] }\n`,
  );
  return file;
}

async function startedOnQueue(): Promise<number> {
  let count = 0;
  for await (const run of env.client.workflow.list({ query: `TaskQueue = "${taskQueue}"` })) if (run) count++;
  return count;
}

describe('Terraform owner settings on the operator machine', () => {
  it('plan: no terraform settings exits 2 naming install.terraform', async () => {
    const result = await cli('plan', '-f', await specFile(''), '--kubeconfig', cluster.sim.kubeconfigPath);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('install.terraform: required when install.owner is terraform');
  });

  it('plan and start: a working directory that is not there exits 2 naming install.terraform.workingDirectory', async () => {
    const spec = await specFile(`, terraform: { workingDirectory: ${join(dir, 'no-such-module')} }`);
    for (const command of ['plan', 'start']) {
      const result = await cli(command, '-f', spec, '--kubeconfig', cluster.sim.kubeconfigPath);
      expect(result.exitCode, `${command}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toMatch(
        /install\.terraform\.workingDirectory: .*no-such-module is not a directory on this machine/,
      );
    }
    expect(await startedOnQueue()).toBe(0);
  });

  it('plan and start: a module without the version variable exits 2 naming install.terraform.versionVariable', async () => {
    const spec = await specFile(`, terraform: { workingDirectory: ${module.dir}, versionVariable: mesh_version }`);
    for (const command of ['plan', 'start']) {
      const result = await cli(command, '-f', spec, '--kubeconfig', cluster.sim.kubeconfigPath);
      expect(result.exitCode, `${command}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toMatch(
        /install\.terraform\.versionVariable: the root module in .* declares no variable "mesh_version" \(it declares istio_version, registry_password, team_token\)/,
      );
    }
    expect(await startedOnQueue()).toBe(0);
  });

  it('plan: good settings plan each hop through Terraform, shown at the control-plane gate', async () => {
    const result = await cli(
      'plan',
      '-f',
      await specFile(`, terraform: { workingDirectory: ${module.dir} }`),
      '--kubeconfig',
      cluster.sim.kubeconfigPath,
    );
    // The mesh's Lightstep provider blocks 1.27 (exit 3), as it would for Helm: the plan is printed all the same.
    expect(result.exitCode).toBe(3);
    expect(result.stdout).toMatch(
      /Through Terraform: `terraform plan` with the version variable at 1\.27\.3 is saved, shown at a gate for alice or bob/,
    );
    expect(result.stdout).toContain("Applied by the hop's terraform apply; verified here.");
    // The tools section names the binary that will plan and apply, and the module it read.
    expect(result.stdout).toContain(
      `terraform: ${join(tools, 'terraform')} reports 1.9.8; root module ${module.dir}: declares the version variable`,
    );
  });
});
