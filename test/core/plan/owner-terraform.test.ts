/**
 * A plan whose Helm releases Terraform owns: each hop is one saved `terraform plan` and one apply
 * (the hop's first control-plane step), shown at the control-plane gate; the hop's other release
 * steps only verify. Its tools name the root module, and its rollback goes back through Terraform.
 */
import { describe, expect, it } from 'vitest';
import { planRollback } from '../../../core/plan/rollback.js';
import { describe as describeStep, type Plan, type Step } from '../../../core/plan/steps.js';
import { toolsForPlan, withOwnerTools } from '../../../core/plan/tools.js';
import { planUpgrade } from '../../../core/plan/upgrade.js';
import { parseSpec } from '../../../core/spec/parse.js';
import { cluster, revision, spec } from '../fixtures/cluster.js';
import { outline } from './helpers.js';

const terraform = { workingDirectory: '/srv/infra/istio', versionVariable: 'istio_version' };

const owned = (step: Step) => ('appliedBy' in step ? step.appliedBy : undefined);

/** `step id: change applies|verifies [gate id]` for each step the owner applies. */
function ownerOutline(plan: Plan): string[] {
  return plan.steps.flatMap((step) => {
    const by = owned(step);
    if (by === undefined) return [];
    return [
      `${step.id}: ${by.owner} ${by.change} ${by.applies ? 'applies' : 'verifies'}${by.gate ? ` behind ${by.gate.id}` : ''}`,
    ];
  });
}

describe('in place through Terraform', () => {
  const sidecarSpec = spec({
    install: { method: 'helm', mode: 'sidecar', strategy: 'in-place', owner: 'terraform', terraform },
    version: { target: '1.28.0' },
  });
  const plan = planUpgrade(sidecarSpec, cluster({ version: '1.26.4' }));

  it('moves each hop with one saved plan applied on its base step, behind the control-plane gate, and verifies istiod on the next', () => {
    expect(plan.owner).toBe('terraform');
    expect(ownerOutline(plan)).toEqual([
      'base@1.27.3: terraform owner@1.27.3 applies behind gate:before-control-plane@1.27.3',
      'control-plane@1.27.3: terraform owner@1.27.3 verifies',
      'base@1.28.0: terraform owner@1.28.0 applies behind gate:before-control-plane@1.28.0',
      'control-plane@1.28.0: terraform owner@1.28.0 verifies',
    ]);
    // The gate moved onto the applying step, so it can show the saved plan: no planned gate step is left for it.
    expect(outline(plan).filter((line) => line.includes('before-control-plane'))).toEqual([]);
    expect(outline(plan).filter((line) => line.startsWith('restart-workload')).length).toBeGreaterThan(0);
    const base = plan.steps.find((step) => step.id === 'base@1.27.3');
    expect(base && describeStep(base)).toMatch(
      /Through Terraform: `terraform plan` with the version variable at 1\.27\.3 is saved, shown at a gate for alice or bob, and exactly that saved plan is applied/,
    );
    // Every release is verified as for Helm: deployed at the hop's chart version.
    expect(plan.verifications?.['base@1.27.3']?.releases).toEqual([
      { release: 'istio-base', namespace: 'istio-system' },
    ]);
    expect(plan.verifications?.['control-plane@1.28.0']?.releases).toEqual([
      { release: 'istiod', namespace: 'istio-system' },
    ]);
  });

  it('needs the root module and its version variable for every hop, from the spec', () => {
    const needs = withOwnerTools(toolsForPlan(plan), plan, sidecarSpec.install);
    expect(needs.terraform).toEqual({
      workingDirectory: '/srv/infra/istio',
      versionVariable: 'istio_version',
      versions: ['1.27.3', '1.28.0'],
      steps: ['base@1.27.3', 'base@1.28.0'],
    });
    const helmSpec = spec({
      install: { method: 'helm', mode: 'sidecar', strategy: 'in-place' },
      version: { target: '1.28.0' },
    });
    const helmPlan = planUpgrade(helmSpec, cluster({ version: '1.26.4' }));
    expect(withOwnerTools(toolsForPlan(helmPlan), helmPlan, helmSpec.install).terraform).toBeUndefined();
  });

  it('rolls back through Terraform: each hop back is one change to the version it left, behind a gate, and a Helm plan carries no owner', () => {
    const rollback = planRollback(plan, cluster({ version: '1.28.0' }));
    expect(rollback.owner).toBe('terraform');
    expect(ownerOutline(rollback)).toEqual([
      'rollback:control-plane@1.27.3: terraform owner@1.27.3 applies behind rollback:gate:before-control-plane@1.28.0',
      'rollback:base@1.27.3: terraform owner@1.27.3 verifies',
      'rollback:control-plane@1.26.4: terraform owner@1.26.4 applies behind rollback:gate:before-control-plane@1.27.3',
      'rollback:base@1.26.4: terraform owner@1.26.4 verifies',
    ]);
    const gate = owned(rollback.steps.find((step) => step.id === 'rollback:control-plane@1.27.3') as Step)?.gate;
    expect(gate).toMatchObject({
      subject: 'go back from 1.28.0 to 1.27.3 through terraform',
      onTimeout: 'fail',
      phase: 'rolling-back',
    });

    const helmPlan = planUpgrade(
      spec({ install: { method: 'helm', mode: 'sidecar', strategy: 'in-place' }, version: { target: '1.28.0' } }),
      cluster({ version: '1.26.4' }),
    );
    const helmBack = planRollback(helmPlan, cluster({ version: '1.28.0' }));
    expect(helmBack.owner).toBeUndefined();
    expect(ownerOutline(helmBack)).toEqual([]);
  });

  it('rolls back a hop whose change applied on its base step before its control-plane step began, only when istiod runs that hop', () => {
    const upToSecondBase = {
      ...plan,
      steps: plan.steps.slice(0, plan.steps.findIndex((step) => step.id === 'base@1.28.0') + 1),
    };
    expect(ownerOutline(planRollback(upToSecondBase, cluster({ version: '1.28.0' })))).toEqual([
      'rollback:base@1.27.3: terraform owner@1.27.3 applies behind rollback:gate:before-control-plane@1.28.0',
      'rollback:control-plane@1.26.4: terraform owner@1.26.4 applies behind rollback:gate:before-control-plane@1.27.3',
      'rollback:base@1.26.4: terraform owner@1.26.4 verifies',
    ]);
    // The change never applied (rejected at its gate, or its plan blocked): nothing of that hop to undo.
    expect(ownerOutline(planRollback(upToSecondBase, cluster({ version: '1.27.3' })))).toEqual([
      'rollback:control-plane@1.26.4: terraform owner@1.26.4 applies behind rollback:gate:before-control-plane@1.27.3',
      'rollback:base@1.26.4: terraform owner@1.26.4 verifies',
    ]);
    const firstBaseOnly = {
      ...plan,
      steps: plan.steps.slice(0, plan.steps.findIndex((step) => step.id === 'base@1.27.3') + 1),
    };
    expect(planRollback(firstBaseOnly, cluster({ version: '1.26.4' })).steps).toEqual([]);
  });

  it('rolls an ambient hop back in reverse through Terraform: ztunnel first applies the change, istio-cni, istiod and base verify it', () => {
    const ambientSpec = spec({
      install: { method: 'helm', mode: 'ambient', strategy: 'in-place', owner: 'terraform', terraform },
      version: { target: '1.27.3' },
    });
    const ambient = planUpgrade(ambientSpec, cluster({ version: '1.26.4', ambient: true }));
    expect(ownerOutline(ambient)).toEqual([
      'base@1.27.3: terraform owner@1.27.3 applies behind gate:before-control-plane@1.27.3',
      'control-plane@1.27.3: terraform owner@1.27.3 verifies',
      'cni@1.27.3: terraform owner@1.27.3 verifies',
      'ztunnel@1.27.3: terraform owner@1.27.3 verifies',
    ]);
    const back = planRollback(ambient, cluster({ version: '1.27.3', ambient: true }));
    expect(ownerOutline(back)).toEqual([
      'rollback:ztunnel@1.26.4: terraform owner@1.26.4 applies behind rollback:gate:before-control-plane@1.27.3',
      'rollback:cni@1.26.4: terraform owner@1.26.4 verifies',
      'rollback:control-plane@1.26.4: terraform owner@1.26.4 verifies',
      'rollback:base@1.26.4: terraform owner@1.26.4 verifies',
    ]);
  });
});

describe('the seed answer: a Terraform-owned ambient mesh on 1.20.2 going to 1.27.1', () => {
  const ambientSpec = spec({
    install: { method: 'helm', mode: 'ambient', strategy: 'in-place', owner: 'terraform', terraform },
    version: { target: '1.27.1' },
  });
  const inventory = cluster({ version: '1.20.2', ambient: true });
  inventory.controlPlane.revisions = [
    revision('default', '1.20.2', {
      meshConfig: {
        extensionProviders: [{ name: 'oc', kind: 'opencensus' }],
        proxyMetadata: {},
        raw: { extensionProviders: [{ name: 'oc', opencensus: { service: 'oc-collector.tracing', port: 55678 } }] },
      },
    }),
  ];
  const plan = planUpgrade(ambientSpec, inventory);

  it('runs as the hop chain, one saved plan and one apply per hop, 1.21 through 1.27', () => {
    const applying = plan.steps.filter((step) => owned(step)?.applies === true);
    expect(applying.map((step) => owned(step)?.change)).toEqual(plan.hops.map((hop) => `owner@${hop.version}`));
    expect(plan.hops.map((hop) => hop.version.split('.').slice(0, 2).join('.'))).toEqual([
      '1.21',
      '1.22',
      '1.23',
      '1.24',
      '1.25',
      '1.26',
      '1.27',
    ]);
    expect(plan.hops.at(-1)?.version).toBe('1.27.1');
    expect(withOwnerTools(toolsForPlan(plan), plan, ambientSpec.install).terraform?.versions).toEqual(
      plan.hops.map((hop) => hop.version),
    );
    // ztunnel moves with the change: its own gate is gone.
    expect(outline(plan).some((line) => line.includes('before-ztunnel'))).toBe(false);
  });

  it('is blocked by what the catalog finds (OpenCensus removed in 1.27, ambient alpha before 1.22)', () => {
    const blocking = plan.findings.filter((finding) => finding.severity === 'block');
    const tracing = blocking.find((finding) => finding.check === 'removed-tracing-providers');
    expect(tracing?.evidence.join('\n')).toMatch(/opencensus/i);
    expect(blocking.some((finding) => /alpha to beta in 1\.22/.test(finding.message))).toBe(true);
  });
});

describe('Terraform owner settings', () => {
  it('are required with the owner and refused without it, each problem naming its field', () => {
    const missing = parseSpec({
      approvals: { approvers: ['alice'] },
      install: { method: 'helm', mode: 'sidecar', strategy: 'in-place', owner: 'terraform' },
      version: { target: '1.28.0' },
    });
    expect(missing.ok).toBe(false);
    expect(!missing.ok && missing.problems.map((p) => p.path)).toEqual(['install.terraform']);
    const empty = parseSpec({
      approvals: { approvers: ['alice'] },
      install: {
        method: 'helm',
        mode: 'sidecar',
        strategy: 'in-place',
        owner: 'terraform',
        terraform: { workingDirectory: '' },
      },
      version: { target: '1.28.0' },
    });
    expect(!empty.ok && empty.problems.map((p) => p.path)).toEqual(['install.terraform.workingDirectory']);
  });
});
