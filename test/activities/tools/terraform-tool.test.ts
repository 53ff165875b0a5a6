/**
 * Finding the Terraform binary like istioctl: TERRAFORM_PATH, else `terraform`, else OpenTofu's
 * `tofu` on the search path; and the tool check asking it `terraform version -json` and reading
 * the root module for the version variable (the stand-in, as a process).
 */
import { chmodSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkTerraform } from '../../../activities/tools/check.js';
import { resolveTerraform } from '../../../activities/tools/resolve.js';
import { toolFindings } from '../../../core/prechecks/tool-versions.js';
import { failureOf } from '../support/failures.js';
import { SIM_BIN } from '../support/sim.js';

function folder(names: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'tf-tools-'));
  for (const name of names) symlinkSync(join(SIM_BIN, 'terraform'), join(dir, name));
  return dir;
}

function moduleDeclaring(variable: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tf-module-'));
  writeFileSync(join(dir, 'variables.tf'), `variable "${variable}" {\n  type = string\n}\n`);
  return dir;
}

describe('the terraform binary', () => {
  it('is TERRAFORM_PATH when set, else terraform before tofu on the search path', async () => {
    const both = folder(['terraform', 'tofu']);
    const tofuOnly = folder(['tofu']);
    // Every folder is searched for terraform before any for tofu.
    expect(resolveTerraform({ searchPath: [tofuOnly, both] })).toBe(join(both, 'terraform'));
    expect(resolveTerraform({ searchPath: [tofuOnly] })).toBe(join(tofuOnly, 'tofu'));
    expect(resolveTerraform({ searchPath: [both] })).toBe(join(both, 'terraform'));
    const custom = join(mkdtempSync(join(tmpdir(), 'tf-custom-')), 'my-terraform');
    writeFileSync(custom, '#!/bin/sh\n');
    chmodSync(custom, 0o755);
    expect(resolveTerraform({ searchPath: [both], terraformPath: custom })).toBe(custom);
    const missing = await failureOf(
      Promise.resolve().then(() => resolveTerraform({ searchPath: [both], terraformPath: '/nowhere/terraform' })),
    );
    expect(missing.message).toBe('TERRAFORM_PATH /nowhere/terraform is not an executable file');
    const none = await failureOf(
      Promise.resolve().then(() => resolveTerraform({ searchPath: [mkdtempSync(join(tmpdir(), 'empty-'))] })),
    );
    expect(none.message).toBe('no terraform or tofu on the search path: install one, or set TERRAFORM_PATH');
  });

  it('is checked with terraform version -json and the root module read for the version variable (an HCL module too)', async () => {
    const tools = folder(['terraform']);
    const good = await checkTerraform(
      {
        workingDirectory: moduleDeclaring('istio_version'),
        versionVariable: 'istio_version',
        versions: ['1.27.3'],
        steps: ['base@1.27.3'],
      },
      { searchPath: [tools] },
      "the worker's tools",
    );
    expect(good).toMatchObject({ path: join(tools, 'terraform'), reports: '1.9.8', problem: null });
    const check = await checkTerraform(
      {
        workingDirectory: moduleDeclaring('mesh_version'),
        versionVariable: 'istio_version',
        versions: ['1.27.3'],
        steps: ['base@1.27.3'],
      },
      { searchPath: [mkdtempSync(join(tmpdir(), 'empty-'))] },
      "the worker's tools",
    );
    expect(check.path).toBeNull();
    const findings = toolFindings(
      { where: "the worker's tools", istioctl: [], helm: null, charts: [], terraform: check },
      { missingBlocks: true },
    );
    expect(findings.map((f) => `${f.check}: ${f.message}`)).toEqual([
      expect.stringMatching(
        /^terraform-owner: install\.terraform\.versionVariable: the root module in .* declares no variable "istio_version" \(it declares mesh_version\)/,
      ),
    ]);
    const noBinary = toolFindings(
      { where: "the worker's tools", istioctl: [], helm: null, charts: [], terraform: { ...check, problem: null } },
      { missingBlocks: true },
    );
    expect(noBinary.map((f) => f.message)).toEqual([
      "no terraform or tofu among the worker's tools: every hop plans and applies the releases with it.",
    ]);
    // On the operator's machine a missing binary is only reported: the worker runs it.
    expect(
      toolFindings(
        { where: 'here', istioctl: [], helm: null, charts: [], terraform: { ...check, problem: null } },
        { missingBlocks: false },
      ),
    ).toEqual([]);
  });
});
