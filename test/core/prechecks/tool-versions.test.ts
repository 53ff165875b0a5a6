import { describe, expect, it } from 'vitest';
import { describeToolCheck, toolFindings, type ToolCheck } from '../../../core/prechecks/tool-versions.js';

const check = (over: Partial<ToolCheck>): ToolCheck => ({
  where: "the worker's tools",
  istioctl: [],
  helm: null,
  charts: [],
  ...over,
});

const istioctl = (version: string, path: string | null, reports: string | null) => ({
  version,
  path,
  reports,
  tried: ['/tools/istioctl-1.28.3', '/tools/istioctl-1.28'],
  error: null,
});

describe('tool-versions and chart-versions findings', () => {
  it('finds nothing when istioctl-1.28 reports exactly 1.28.3 and the charts exist', () => {
    const found = check({
      istioctl: [istioctl('1.28.3', '/tools/istioctl-1.28', '1.28.3')],
      helm: '/tools/helm',
      charts: [{ chart: 'istio/istiod', version: '1.28.3', found: true, detail: null }],
    });
    expect(toolFindings(found, { missingBlocks: true })).toEqual([]);
    expect(describeToolCheck(found)).toEqual([
      'istioctl 1.28.3: /tools/istioctl-1.28 reports 1.28.3',
      'chart istio/istiod 1.28.3: found',
    ]);
  });

  it('blocks istioctl-1.28 reporting 1.28.0 for a 1.28.3 hop, naming the path and both versions', () => {
    const [finding] = toolFindings(check({ istioctl: [istioctl('1.28.3', '/tools/istioctl-1.28', '1.28.0')] }), {
      missingBlocks: false,
    });
    expect(finding?.check).toBe('tool-versions');
    expect(finding?.severity).toBe('block');
    expect(finding?.message).toContain('/tools/istioctl-1.28 reports 1.28.0, but the plan needs istioctl 1.28.3');
    expect(finding?.evidence).toEqual(['/tools/istioctl-1.28 version --remote=false -> 1.28.0']);
  });

  it('blocks a missing istioctl on the worker but only reports it for plan on an operator machine', () => {
    const missing = check({ istioctl: [istioctl('1.28.3', null, null)] });
    const [worker] = toolFindings(missing, { missingBlocks: true });
    expect(worker?.message).toBe(
      "no istioctl for Istio 1.28.3 among the worker's tools: the steps that run it would fail after earlier steps changed the cluster.",
    );
    expect(worker?.evidence).toEqual(['/tools/istioctl-1.28.3: not found', '/tools/istioctl-1.28: not found']);
    expect(toolFindings(missing, { missingBlocks: false })).toEqual([]);
    expect(describeToolCheck(missing)).toEqual(['istioctl 1.28.3: not found']);
  });

  it('blocks a chart version the repository lacks, as chart-versions', () => {
    const [finding] = toolFindings(
      check({
        helm: '/tools/helm',
        charts: [
          { chart: 'istio/base', version: '1.28.3', found: false, detail: 'chart "base" matching 1.28.3 not found' },
        ],
      }),
      { missingBlocks: false },
    );
    expect(finding?.check).toBe('chart-versions');
    expect(finding?.message).toContain('chart istio/base version 1.28.3 is not in the configured repository');
    expect(finding?.evidence).toEqual([
      '/tools/helm show chart istio/base --version 1.28.3 -> chart "base" matching 1.28.3 not found',
    ]);
  });

  it('blocks charts nobody could check only where helm must run', () => {
    const unchecked = check({
      charts: [{ chart: 'istio/base', version: '1.28.3', found: null, detail: 'helm: not found' }],
    });
    expect(toolFindings(unchecked, { missingBlocks: true }).map((f) => f.check)).toEqual(['chart-versions']);
    expect(toolFindings(unchecked, { missingBlocks: false })).toEqual([]);
  });

  it('names a tool only the rollback would run as such: the source istioctl missing or misreporting, a source chart absent', () => {
    const needs = {
      istioctl: [
        { version: '1.28.3', steps: ['install-revision:1-28-3'] },
        {
          version: '1.27.3',
          steps: [
            'rollback:remove-revision:1-28-3',
            'rollback:cni@1.27.3',
            'rollback:ztunnel@1.27.3',
            'rollback:move-tag:default@default',
          ],
          forRollback: true,
        },
      ],
      charts: [{ chart: 'istio/base', version: '1.27.3', steps: ['rollback:base@1.27.3'], forRollback: true }],
    };
    const [missing] = toolFindings(check({ istioctl: [istioctl('1.27.3', null, null)] }), {
      missingBlocks: true,
      needs,
    });
    expect(missing?.message).toBe(
      "no istioctl for Istio 1.27.3 among the worker's tools: a rollback of this upgrade would run it (rollback:remove-revision:1-28-3, rollback:cni@1.27.3, rollback:ztunnel@1.27.3, …), and an upgrade must not start what it cannot undo.",
    );
    const [stale] = toolFindings(check({ istioctl: [istioctl('1.27.3', '/tools/istioctl-1.27', '1.27.0')] }), {
      missingBlocks: true,
      needs,
    });
    expect(stale?.message).toBe(
      '/tools/istioctl-1.27 reports 1.27.0, but a rollback of this upgrade would run istioctl 1.27.3 (rollback:remove-revision:1-28-3, rollback:cni@1.27.3, rollback:ztunnel@1.27.3, …): it would go back to 1.27.0 where 1.27.3 ran, and an upgrade must not start what it cannot undo.',
    );
    const [chart] = toolFindings(
      check({
        helm: '/tools/helm',
        charts: [{ chart: 'istio/base', version: '1.27.3', found: false, detail: 'not found' }],
      }),
      { missingBlocks: true, needs },
    );
    expect(chart?.check).toBe('chart-versions');
    expect(chart?.message).toBe(
      'chart istio/base version 1.27.3 is not in the configured repository: a rollback of this upgrade would install it (rollback:base@1.27.3), and an upgrade must not start what it cannot undo.',
    );
    // The upgrade's own istioctl keeps its wording.
    const [own] = toolFindings(check({ istioctl: [istioctl('1.28.3', null, null)] }), { missingBlocks: true, needs });
    expect(own?.message).toContain('the steps that run it would fail');
  });
});
