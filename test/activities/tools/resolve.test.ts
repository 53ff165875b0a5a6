import { describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { candidates, resolveTool, versionNames } from '../../../activities/tools/resolve.js';

describe('resolving a tool per Istio version', () => {
  it('prefers the exact patch, then the minor', () => {
    expect(versionNames('1.28.1')).toEqual(['1.28.1', '1.28']);
    expect(versionNames('1.28')).toEqual(['1.28']);
    expect(versionNames('latest')).toEqual([]);
  });

  it('tries every exact-patch name before any minor name, the versions folder before PATH within each', () => {
    const tried = candidates('istioctl', '1.28.1', { versionsDir: '/opt/istio', searchPath: ['/usr/bin'] });
    expect(tried).toEqual([
      '/opt/istio/1.28.1/istioctl',
      '/usr/bin/istioctl-1.28.1',
      '/opt/istio/1.28/istioctl',
      '/usr/bin/istioctl-1.28',
    ]);
  });

  it('never falls back to an unversioned istioctl, but does for helm', () => {
    const config = { searchPath: ['/usr/bin'] };
    expect(candidates('istioctl', '1.28', config)).not.toContain('/usr/bin/istioctl');
    expect(candidates('helm', '1.28', config)).toContain('/usr/bin/helm');
  });

  it('picks the first existing candidate', () => {
    const present = new Set(['/usr/bin/istioctl-1.28']);
    expect(resolveTool('istioctl', '1.28.0', { searchPath: ['/usr/bin'] }, (p) => present.has(p))).toBe(
      '/usr/bin/istioctl-1.28',
    );
  });

  it('fails as non-retryable Validation, listing where it looked', () => {
    try {
      resolveTool('istioctl', '1.29', { searchPath: ['/nowhere'] }, () => false);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ApplicationFailure);
      expect((err as ApplicationFailure).type).toBe('Validation');
      expect((err as ApplicationFailure).nonRetryable).toBe(true);
    }
  });
});
