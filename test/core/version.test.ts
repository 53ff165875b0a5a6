import { describe, expect, it } from 'vitest';
import {
  formatVersion,
  inPlaceHops,
  parseVersion,
  revisionName,
  sailRevisionName,
  skewViolation,
} from '../../core/version.js';

const v = parseVersion;

describe('Istio versions', () => {
  it.each(['1.27.3', 'v1.27.3', ' 1.27.3 '])('reads %j as 1.27.3', (text) => {
    expect(v(text)).toEqual({ major: 1, minor: 27, patch: 3 });
  });

  it.each(['1.27', '1.27.3-rc.0', 'latest', '01.27.3', 'v1.27.x', ''])(
    'refuses %j and says what it expected',
    (text) => {
      expect(() => v(text)).toThrow(/expected MAJOR\.MINOR\.PATCH like 1\.27\.3 or v1\.27\.3/);
    },
  );

  it('names revisions the way istioctl, Helm and Sail do', () => {
    expect(revisionName(v('1.28.0'))).toBe('1-28-0');
    expect(sailRevisionName('default', v('1.26.4'))).toBe('default-v1-26-4');
  });

  it('goes from 1.25.2 to 1.28.1 in three hops, intermediate patches from the shipped release list', () => {
    expect(inPlaceHops(v('1.25.2'), v('1.28.1')).map((hop) => [formatVersion(hop.version), hop.source])).toEqual([
      ['1.26.4', 'release-list'],
      ['1.27.3', 'release-list'],
      ['1.28.1', 'target'],
    ]);
  });

  it('takes the intermediate patch from the spec when it names one', () => {
    expect(
      inPlaceHops(v('1.25.2'), v('1.27.0'), { '1.26': '1.26.1' }).map((hop) => [
        formatVersion(hop.version),
        hop.source,
      ]),
    ).toEqual([
      ['1.26.1', 'spec'],
      ['1.27.0', 'target'],
    ]);
  });

  it('makes a patch upgrade a single hop', () => {
    expect(inPlaceHops(v('1.27.1'), v('1.27.3')).map((hop) => formatVersion(hop.version))).toEqual(['1.27.3']);
  });

  it('asks for the patch of an intermediate minor it does not know', () => {
    expect(() => inPlaceHops(v('1.10.0'), v('1.12.0'))).toThrow('version.intermediate["1.11"]');
  });

  it('keeps data-plane components at most one minor behind the control plane and never ahead', () => {
    expect(skewViolation(v('1.28.0'), v('1.27.3'))).toBeNull();
    expect(skewViolation(v('1.28.0'), v('1.28.0'))).toBeNull();
    expect(skewViolation(v('1.28.0'), v('1.26.4'))).toMatch('2 minors behind');
    expect(skewViolation(v('1.27.3'), v('1.28.0'))).toMatch('ahead of the control plane');
  });
});
