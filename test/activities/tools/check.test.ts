/**
 * The tools check against the stand-in istioctl and helm: what each binary reports, which one
 * is chosen, and whether a chart version is in the stand-in's repository.
 */
import { describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { checkPlanTools, parseIstioctlVersion, verifiedIstioctl } from '../../../activities/tools/check.js';
import { standInToolsFolder } from '../../../sim/index.js';

describe('checking the tools a plan runs', () => {
  it('reads the release from every istioctl version format', () => {
    expect(parseIstioctlVersion('1.28.3')).toBe('1.28.3');
    expect(parseIstioctlVersion('client version: 1.28.3\n')).toBe('1.28.3');
    expect(parseIstioctlVersion('version.BuildInfo{Version:"1.28.3-distroless", GitRevision:"x"}')).toBe(
      '1.28.3-distroless',
    );
    expect(parseIstioctlVersion('no version here')).toBeNull();
  });

  it('prefers istioctl-1.27.2 over istioctl-1.27, refuses istioctl-1.27 that is 1.27.3 for 1.27.2, and finds missing charts', async () => {
    const plain = standInToolsFolder({ minors: ['1.27'] });
    const exact = standInToolsFolder({ minors: ['1.27'], patches: ['1.27.2'] });
    const needs = {
      istioctl: [{ version: '1.27.2', steps: ['install-revision:1-27-2'] }],
      charts: [
        { chart: 'istio/istiod', version: '1.27.2', steps: ['install-revision:1-27-2'] },
        { chart: 'istio/base', version: '1.27.2', steps: ['base@1.27.2'] },
      ],
    };
    const env = { SIM_HELM_ABSENT_CHART_VERSIONS: 'base@1.27.2' };
    const wrong = await checkPlanTools(needs, { searchPath: [plain], env }, 'the test tools');
    expect(wrong.istioctl).toEqual([
      expect.objectContaining({ version: '1.27.2', path: `${plain}/istioctl-1.27`, reports: '1.27.3' }),
    ]);
    expect(wrong.charts).toEqual([
      { chart: 'istio/istiod', version: '1.27.2', found: true, detail: null },
      {
        chart: 'istio/base',
        version: '1.27.2',
        found: false,
        detail: `chart "base" matching 1.27.2 not found in istio index. (try 'helm repo update')`,
      },
    ]);
    const right = await checkPlanTools(needs, { searchPath: [plain, exact] }, 'the test tools');
    expect(right.istioctl[0]).toEqual(expect.objectContaining({ path: `${exact}/istioctl-1.27.2`, reports: '1.27.2' }));
  }, 60_000);

  it('refuses to run an istioctl-1.27.2 that reports 1.27.0, naming the binary and both releases', async () => {
    const folder = standInToolsFolder({ minors: [], misreporting: { 'istioctl-1.27.2': '1.27.0' } });
    const failure = await verifiedIstioctl({ searchPath: [folder] })('1.27.2').catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect((failure as ApplicationFailure).type).toBe('Validation');
    expect((failure as ApplicationFailure).message).toBe(
      `${folder}/istioctl-1.27.2 reports 1.27.0, not 1.27.2: put istioctl 1.27.2 at istioctl-1.27.2`,
    );
  }, 60_000);
});
