import { describe, expect, it } from 'vitest';
import { parseSpec } from '../../../core/spec/parse.js';
import { formatProblems } from '../../../core/spec/parse.js';
import { GATES_OFF } from '../fixtures/cluster.js';

const minimal = {
  install: { method: 'helm', mode: 'sidecar', strategy: 'revision' },
  version: { target: 'v1.28.0' },
  approvals: { approvers: ['alice'] },
};

function problems(input: unknown): string[] {
  const result = parseSpec(input);
  if (result.ok) throw new Error('expected the spec to be refused');
  return formatProblems(result.problems).split('\n');
}

describe('the upgrade spec', () => {
  it('fills in the safe defaults: gates on, timeout rejects, no self-approval, one restart at a time', () => {
    const result = parseSpec(minimal);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { spec } = result;
    expect(spec.version.target).toBe('1.28.0');
    expect(spec.gates).toEqual({
      beforeControlPlane: true,
      beforeGateways: true,
      beforeZtunnel: true,
      perNamespace: true,
      beforeDefaultTag: true,
      beforeRemovingOldRevision: true,
      approvalTimeout: 86_400,
      onTimeout: 'reject',
    });
    // Unset: a failed test gates (failureActionOf falls back to it).
    expect(spec.onFailure).toEqual({ namespaces: {} });
    expect(spec.approvals.allowSelfApproval).toBe(false);
    expect(spec.restarts.concurrency).toBe(1);
    expect(spec.install.namespace).toBe('istio-system');
    expect(spec.timers).toEqual({ soakAfterControlPlane: 600, graceBeforeRevisionRemoval: 3_600 });
  });

  it('refuses gates without approvers: nobody is "anyone"', () => {
    const { approvals: _approvals, ...withoutApprovers } = minimal;
    expect(problems(withoutApprovers)).toEqual([
      'approvals.approvers: expected at least one approver while any gate is on (or turn every gate off)',
    ]);
    const ungated = { ...GATES_OFF, onTestFailure: false };
    expect(parseSpec({ ...withoutApprovers, gates: ungated }).ok).toBe(true);
  });

  it('names each unknown field by its path', () => {
    expect(problems({ ...minimal, gates: { aproval: true }, extra: 1 })).toEqual([
      'gates.aproval: unknown field',
      'extra: unknown field',
    ]);
  });

  it('says a duration was expected where one is malformed', () => {
    expect(problems({ ...minimal, gates: { approvalTimeout: '24 hours' } })).toEqual([
      'gates.approvalTimeout: expected a duration like "24h", "10m" or "1h30m"',
    ]);
  });

  it('refuses a timeout that would approve', () => {
    expect(problems({ ...minimal, gates: { onTimeout: 'approve' } })).toEqual([
      'gates.onTimeout: expected reject or fail (a timeout never approves)',
    ]);
  });

  it('refuses versions that are not MAJOR.MINOR.PATCH and lists every problem at once', () => {
    expect(
      problems({ install: { ...minimal.install, method: 'kustomize' }, version: { target: '1.28', source: 'latest' } }),
    ).toEqual([
      'install.method: expected one of istioctl, helm, sail',
      'version.target: expected a version like "1.27.3" or "v1.27.3"',
      'version.source: expected a version like "1.27.3" or "v1.27.3"',
    ]);
  });

  it('reports missing required sections', () => {
    expect(problems({})).toEqual([
      'install: required, missing (expected object)',
      'version: required, missing (expected object)',
    ]);
  });

  it('accepts an HTTP test per workload and a command test per namespace, with their defaults', () => {
    const result = parseSpec({
      ...minimal,
      tests: {
        'bookinfo/reviews-v2': { http: { url: 'http://reviews.bookinfo:9080/health' } },
        shop: { command: { argv: ['curl', '-f', 'http://cart'] } },
      },
    });
    expect(result.ok && result.spec.tests).toEqual({
      'bookinfo/reviews-v2': {
        http: { url: 'http://reviews.bookinfo:9080/health', expectStatus: 200, timeoutSeconds: 30 },
      },
      shop: { command: { argv: ['curl', '-f', 'http://cart'], timeoutSeconds: 60 } },
    });
  });

  it('wants exactly one kind of test per key', () => {
    expect(
      problems({
        ...minimal,
        tests: { 'bookinfo/reviews-v2': { http: { url: 'http://r' }, job: { image: 'curl', command: ['curl'] } } },
      }),
    ).toEqual(['tests["bookinfo/reviews-v2"]: expected exactly one of http, command or job']);
  });

  it('refuses namespaces and a namespace selector together', () => {
    expect(
      problems({ ...minimal, scope: { namespaces: ['bookinfo'], namespaceSelector: { matchLabels: { team: 'a' } } } }),
    ).toEqual(['scope: expected namespaces or namespaceSelector, not both']);
  });
});
