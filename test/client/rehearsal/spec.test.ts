/** The rehearsal's copy of a spec: what changes, that each change is listed, and what stays as written. */
import { describe, expect, it } from 'vitest';
import { rehearsalSpec } from '../../../client/rehearsal/spec.js';
import { parseSpec } from '../../../core/spec/parse.js';

function copyOf(raw: Record<string, unknown>, timeScale = 60) {
  const parsed = parseSpec(raw);
  if (!parsed.ok) throw new Error('fixture spec is invalid');
  const copy = rehearsalSpec(raw, parsed.spec, { timeScale, context: 'sim' });
  const reparsed = parseSpec(copy.input);
  if (!reparsed.ok) throw new Error(`the copy is invalid: ${JSON.stringify(reparsed.problems)}`);
  return { ...copy, spec: reparsed.spec };
}

const base = {
  cluster: { context: 'prod', name: 'prod-eu-1' },
  install: { method: 'helm', mode: 'sidecar', strategy: 'revision' },
  version: { target: '1.28.0' },
  timers: { soakAfterControlPlane: '10m', graceBeforeRevisionRemoval: '1h' },
  approvals: { approvers: ['alice', 'bob'] },
};

describe('the rehearsal copy of a spec', () => {
  it('adds the rehearsal approver after the real ones and says so', () => {
    const copy = copyOf(base);
    expect(copy.spec.approvals.approvers).toEqual(['alice', 'bob', 'rehearsal']);
    expect(copy.changes).toContain(
      'approver "rehearsal" added: gates are answered unattended and recorded as a rehearsal',
    );
  });

  it('runs soaks on the simulator clock (at least a second) and keeps their real length for the report', () => {
    const copy = copyOf(base, 60);
    expect(copy.soaks).toEqual([
      { timer: 'soakAfterControlPlane', realSeconds: 600, rehearsedSeconds: 10 },
      { timer: 'graceBeforeRevisionRemoval', realSeconds: 3600, rehearsedSeconds: 60 },
    ]);
    expect(copy.spec.timers).toEqual({ soakAfterControlPlane: 10, graceBeforeRevisionRemoval: 60 });
    expect(
      copyOf({ ...base, timers: { soakAfterControlPlane: '30s', graceBeforeRevisionRemoval: '0s' } }, 1000).soaks.map(
        (s) => s.rehearsedSeconds,
      ),
    ).toEqual([1, 0]);
  });

  it('leaves out HTTP and command tests and Slack, keeps job tests, and points at the simulator context', () => {
    const copy = copyOf({
      ...base,
      tests: {
        'bookinfo/reviews-v2': { http: { url: 'http://reviews.bookinfo:9080/health' } },
        bookinfo: { command: { argv: ['curl', 'http://productpage.bookinfo:9080/'] } },
        'bookinfo/ratings-v1': { job: { image: 'curlimages/curl:8.10.1', command: ['curl', 'http://ratings:9080/'] } },
      },
      notifications: { slack: { channel: '#mesh-upgrades' } },
    });
    expect(Object.keys(copy.spec.tests)).toEqual(['bookinfo/ratings-v1']);
    expect(copy.spec.notifications.slack).toBeUndefined();
    expect(copy.spec.cluster).toEqual({ context: 'sim', name: 'prod-eu-1' });
    expect(copy.changes.filter((c) => / left out|replaced/.test(c))).toEqual([
      'test bookinfo/reviews-v2 (http) left out: it would reach real endpoints from this machine; job tests run in the simulator',
      'test bookinfo (command) left out: it would reach real endpoints from this machine; job tests run in the simulator',
      "Slack notifications to #mesh-upgrades left out: a rehearsal does not post to the team's channel",
      "cluster.context prod replaced by the simulator's (sim)",
    ]);
  });

  it('changes nothing else: install, version, scope, restarts and gates are as written', () => {
    const raw = {
      ...base,
      scope: { namespaces: ['bookinfo'] },
      restarts: { concurrency: 3, order: ['bookinfo/reviews-v2'] },
      gates: { perNamespace: false },
    };
    const copy = copyOf(raw);
    const original = parseSpec(raw);
    if (!original.ok) throw new Error('fixture spec is invalid');
    for (const key of ['install', 'version', 'scope', 'restarts', 'gates'] as const)
      expect(copy.spec[key]).toEqual(original.spec[key]);
  });
});
