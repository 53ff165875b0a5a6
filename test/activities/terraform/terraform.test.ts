/**
 * The Terraform adapters against the terraform stand-in as a process, on a simulated cluster
 * whose Istio releases a root module owns: the saved plan and its summary, the apply of exactly
 * that file, and every way an apply refuses (changed, missing, stale, locked) or finds its work
 * already done, without applying twice.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTerraformActivities, type TerraformPlanInput } from '../../../activities/terraform/activities.js';
import { standInToolsFolder } from '../../../sim/index.js';
import {
  SECRETS,
  SIDECAR_RELEASES,
  terraformModule,
  type TerraformModule,
} from '../../workflows/support/terraform-module.js';
import { failureOf } from '../support/failures.js';
import { startCluster, type SimCluster } from '../support/sim.js';

let cluster: SimCluster;
let module: TerraformModule;
const terraform = createTerraformActivities({ searchPath: [standInToolsFolder()], timeoutMs: 120_000 });
const releases = ['istio-system/istio-base', 'istio-system/istiod'];

beforeAll(async () => {
  cluster = await startCluster('sidecarHelm', { timeScale: 50 });
  module = terraformModule(cluster, SIDECAR_RELEASES);
});
afterAll(() => cluster.stop());

const planInput = (version: string, stepKey = `base@${version}`): TerraformPlanInput => ({
  workingDirectory: module.dir,
  versionVariable: 'istio_version',
  version,
  upgradeKey: `upgrade-${randomUUID()}@run`,
  stepKey,
  releases,
  lockTimeoutSeconds: 1,
});

const versionOf = (name: string) =>
  module.state().resources.find((r) => r.instances[0]?.attributes.name === name)?.instances[0]?.attributes.version;

describe('terraform plan and apply through the stand-in', () => {
  it('saves a plan for 1.27.3 and summarises it by release and chart version, with no variable or value in it', async () => {
    const saved = await terraform.terraformPlan(planInput('1.27.3'));
    expect(saved.summary).toEqual([
      'helm_release.istio_base update: istio-system/istio-base base 1.26.4 → 1.27.3',
      'helm_release.istiod update: istio-system/istiod istiod 1.26.4 → 1.27.3',
    ]);
    expect(saved.planFile).toMatch(/istio-upgrade-terraform\/plans\/[0-9a-f]{32}\/base_1\.27\.3\.tfplan$/);
    expect(saved.sha256).toMatch(/^[0-9a-f]{64}$/);
    const text = JSON.stringify(saved);
    expect(text).not.toContain(SECRETS.teamToken);
    expect(text).not.toContain(SECRETS.registryPassword);
    // Nothing is written to the user's module but by Terraform itself: the plan lives on the worker's side.
    expect(existsSync(join(module.dir, 'base_1.27.3.tfplan'))).toBe(false);
  });

  it('applies exactly the saved plan once; the same apply again, or after its mark is lost, applies nothing', async () => {
    const saved = await terraform.terraformPlan(planInput('1.27.3'));
    const serial = module.state().serial;
    const input = {
      workingDirectory: module.dir,
      versionVariable: 'istio_version',
      version: '1.27.3',
      planFile: saved.planFile ?? '',
      sha256: saved.sha256 ?? '',
      lockTimeoutSeconds: 1,
    };
    expect(await terraform.terraformApply(input)).toEqual({
      applied: true,
      outcome: 'Apply complete! Resources: 0 added, 2 changed, 0 destroyed.',
    });
    expect(module.state().serial).toBe(serial + 1);
    expect(versionOf('istiod')).toBe('1.27.3');
    const writes = cluster.sim.writeLog.length;

    expect(await terraform.terraformApply(input)).toEqual({
      applied: false,
      outcome: 'this saved plan was already applied by an earlier attempt',
    });
    // A worker that died after the apply but before marking it: Terraform refuses the stale plan, a fresh one changes nothing.
    rmSync(`${input.planFile}.applied`);
    expect(await terraform.terraformApply(input)).toEqual({
      applied: false,
      outcome: 'already applied: a fresh plan with istio_version=1.27.3 changes nothing',
    });
    expect(module.state().serial).toBe(serial + 1);
    expect(cluster.sim.writeLog.length).toBe(writes);

    const again = await terraform.terraformPlan(planInput('1.27.3'));
    expect(again).toEqual({ planFile: null, sha256: null, changes: [], summary: [] });
  });

  it('refuses a saved plan that changed since the gate, one that is gone, and a file it did not save, applying nothing', async () => {
    const saved = await terraform.terraformPlan(planInput('1.28.0'));
    const planFile = saved.planFile ?? '';
    const input = {
      workingDirectory: module.dir,
      versionVariable: 'istio_version',
      version: '1.28.0',
      planFile,
      sha256: saved.sha256 ?? '',
      lockTimeoutSeconds: 1,
    };
    const serial = module.state().serial;
    writeFileSync(planFile, `${JSON.stringify({ tampered: true })}`);
    const changed = await failureOf(terraform.terraformApply(input));
    expect(changed.type).toBe('Validation');
    expect(changed.message).toMatch(/changed since it was shown at the gate .*nothing was applied/);
    rmSync(planFile);
    const gone = await failureOf(terraform.terraformApply(input));
    expect(gone.type).toBe('NotFound');
    expect(gone.nonRetryable).toBe(true);
    expect(gone.message).toMatch(/is gone .*never re-planned silently/);
    const foreign = await failureOf(terraform.terraformApply({ ...input, planFile: join(module.dir, 'x.tfplan') }));
    expect(foreign.message).toMatch(/is not a plan this worker saved/);
    expect(module.state().serial).toBe(serial);
    expect(versionOf('istiod')).toBe('1.27.3');
  });

  it('refuses a plan made stale by another apply when a fresh plan still has changes', async () => {
    const stale = await terraform.terraformPlan(planInput('1.28.0', 'stale'));
    const other = await terraform.terraformPlan(planInput('1.28.0', 'other'));
    const apply = (saved: typeof stale, version = '1.28.0') =>
      terraform.terraformApply({
        workingDirectory: module.dir,
        versionVariable: 'istio_version',
        version,
        planFile: saved.planFile ?? '',
        sha256: saved.sha256 ?? '',
        lockTimeoutSeconds: 1,
      });
    expect((await apply(other)).applied).toBe(true);
    // Back to 1.27.3 by someone else's run: the first plan is stale and a fresh one still has work.
    const back = await terraform.terraformPlan(planInput('1.27.3', 'back'));
    expect((await apply(back, '1.27.3')).applied).toBe(true);
    const serial = module.state().serial;
    const refused = await failureOf(apply(stale));
    expect(refused.type).toBe('CommandFailed');
    expect(refused.message).toMatch(
      /the saved plan is stale .* a fresh plan still has changes: nothing was applied; retry the step to plan and show it again/,
    );
    expect(module.state().serial).toBe(serial);
    expect(versionOf('istiod')).toBe('1.27.3');
  });

  it('fails with StateLocked naming the lock another run holds, after waiting its lock timeout, and never retries it', async () => {
    const lock = module.holdLock();
    try {
      const locked = await failureOf(terraform.terraformPlan(planInput('1.28.0', 'locked')));
      expect(locked.type).toBe('StateLocked');
      expect(locked.nonRetryable).toBe(true);
      expect(locked.message).toContain(
        `locked by ${lock.who} since 2026-12-05 04:58:12.123456789 +0000 UTC (lock ID ${lock.id}, OperationTypeApply on terraform.tfstate)`,
      );
    } finally {
      module.releaseLock();
    }
  });

  it('names the spec field when the module does not declare the version variable', async () => {
    const bad = await failureOf(terraform.terraformPlan({ ...planInput('1.28.0'), versionVariable: 'mesh_version' }));
    expect(bad.type).toBe('Validation');
    expect(bad.message).toMatch(
      /^install\.terraform\.versionVariable: the root module in .* declares no variable "mesh_version"/,
    );
    const gone = await failureOf(
      terraform.terraformPlan({ ...planInput('1.28.0'), workingDirectory: join(module.dir, 'nope') }),
    );
    expect(gone.message).toMatch(/^install\.terraform\.workingDirectory: .*nope is not a directory on the worker/);
  });
});
