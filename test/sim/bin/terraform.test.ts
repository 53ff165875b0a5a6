/**
 * The terraform stand-in as a real process against a simulated cluster: Terraform's JSON syntax
 * only, its plan JSON (`resource_changes[].change.actions`), replacements and destroys, sensitive
 * variables masked by `show -json`, and the refusals a runbook relies on.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type Sim } from '../../../sim/index.js';
import { SIM_BIN, runTool } from './support.js';

const TERRAFORM = `${SIM_BIN}terraform`;

describe('the terraform stand-in', { timeout: 120_000 }, () => {
  let sim: Sim;
  const terraform = (dir: string, args: string[]) => runTool(sim, TERRAFORM, [`-chdir=${dir}`, ...args]);
  const module = (config: unknown, state?: unknown): string => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-stand-in-'));
    writeFileSync(join(dir, 'main.tf.json'), JSON.stringify(config));
    if (state !== undefined) writeFileSync(join(dir, 'terraform.tfstate'), JSON.stringify(state));
    return dir;
  };
  const istiodRelease = (name: string) => ({
    name,
    namespace: 'istio-system',
    chart: 'istiod',
    version: '${var.istio_version}',
  });

  beforeAll(async () => {
    sim = await startSim({
      scenario: {
        name: 'terraform-stand-in',
        timing: { podReadySeconds: 2, jobRunSeconds: 2 },
        nodes: 1,
        istio: { installer: 'helm', version: '1.26.4' },
        namespaces: [],
      },
      timeScale: 20,
    });
  });
  afterAll(() => sim.stop());

  it('refuses HCL, naming the files, since it reads only *.tf.json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-hcl-'));
    writeFileSync(join(dir, 'main.tf'), 'variable "istio_version" {}\n');
    const result = await terraform(dir, ['plan', '-input=false']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('│ Error: Unsupported configuration syntax');
    expect(result.stderr).toContain(
      "main.tf: this terraform stand-in reads only Terraform's JSON syntax (*.tf.json), not HCL.",
    );
  });

  it('refuses a -var the module does not declare, as Terraform does', async () => {
    const dir = module({ variable: { istio_version: { default: '1.26.4' } } });
    const result = await terraform(dir, ['plan', '-input=false', '-var', 'mesh_version=1.27.3']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('Error: Value for undeclared variable');
    expect(result.stderr).toContain('A variable named "mesh_version" was assigned on the command line');
  });

  it('plans a create, a replacement (new release name) and a destroy, masking sensitive variables in show -json', async () => {
    const prior = (name: string, attributes: Record<string, unknown>) => ({
      mode: 'managed',
      type: name.split('.')[0],
      name: name.split('.')[1],
      provider: 'provider["registry.terraform.io/hashicorp/helm"]',
      instances: [{ schema_version: 1, attributes }],
    });
    const dir = module(
      {
        variable: { istio_version: { default: '1.26.4' }, token: { default: 'hidden-7c1', sensitive: true } },
        resource: {
          helm_release: { istiod: istiodRelease('istiod-renamed'), extra: istiodRelease('istiod-extra') },
        },
      },
      {
        version: 4,
        terraform_version: '1.9.8',
        serial: 1,
        lineage: 'l-1',
        outputs: {},
        resources: [
          prior('helm_release.istiod', {
            id: 'istiod',
            name: 'istiod',
            namespace: 'istio-system',
            chart: 'istiod',
            version: '1.26.4',
            values: [],
          }),
          prior('terraform_data.gone', { id: 'x', input: 'a', output: 'a' }),
        ],
      },
    );
    const plan = join(dir, 'p.tfplan');
    const planned = await terraform(dir, ['plan', '-input=false', '-detailed-exitcode', '-out', plan]);
    expect(planned.exitCode).toBe(2);
    expect(planned.stdout).toContain('Plan: 2 to add, 0 to change, 2 to destroy.');
    const shown = JSON.parse((await terraform(dir, ['show', '-json', plan])).stdout) as {
      variables: Record<string, unknown>;
      resource_changes: { address: string; change: { actions: string[] } }[];
    };
    expect(shown.resource_changes.map((c) => `${c.address} ${c.change.actions.join(',')}`)).toEqual([
      'helm_release.istiod delete,create',
      'helm_release.extra create',
      'terraform_data.gone delete',
    ]);
    expect(shown.variables).toEqual({ istio_version: { value: '1.26.4' }, token: {} });
    expect(readFileSync(join(dir, 'terraform.tfstate'), 'utf8')).toContain('"serial":1');
  });
});
