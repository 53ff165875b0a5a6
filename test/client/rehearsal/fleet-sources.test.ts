/** Where each cluster of a rehearsed fleet comes from, and the usage errors naming what is missing or wrong. */
import { describe, expect, it } from 'vitest';
import { clusterSources, describeSource } from '../../../client/rehearsal/fleet-sources.js';
import type { FleetSourceFlags } from '../../../client/rehearsal/fleet-sources.js';
import { parseFleet } from '../../../core/fleet/spec.js';

const parsed = parseFleet({
  name: 'mesh',
  target: '1.27.3',
  upgrade: {
    install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision' },
    approvals: { approvers: ['alice'] },
  },
  clusters: { staging: {}, 'prod-a': { context: 'prod-a-ctx' }, 'prod-b': {} },
  stages: [{ name: 'all', clusters: ['staging', 'prod-a', 'prod-b'] }],
});
if (!parsed.ok) throw new Error('fixture fleet is invalid');
const fleet = parsed.fleet;

function failure(flags: FleetSourceFlags): { exitCode: number; message: string } {
  try {
    clusterSources(fleet, flags);
  } catch (err) {
    return { exitCode: (err as { exitCode: number }).exitCode, message: (err as Error).message };
  }
  throw new Error('expected a usage error');
}

describe('the source of each cluster of a rehearsed fleet', () => {
  it('takes scenarios, per-cluster or shared kubeconfigs, contexts from the flags or the fleet spec, and faults', () => {
    const sources = clusterSources(fleet, {
      scenario: ['staging=staging.yaml'],
      faults: ['staging=faults.yaml'],
      kubeconfig: ['/home/me/.kube/fleet', 'prod-b=/home/me/.kube/prod-b'],
    });
    expect(sources).toEqual({
      staging: { kind: 'scenario', scenario: 'staging.yaml', faults: 'faults.yaml' },
      'prod-a': { kind: 'snapshot', kubeconfig: '/home/me/.kube/fleet', context: 'prod-a-ctx' },
      'prod-b': { kind: 'snapshot', kubeconfig: '/home/me/.kube/prod-b' },
    });
    expect(describeSource(sources['prod-a']!)).toBe(
      'snapshot (read-only) of context prod-a-ctx in /home/me/.kube/fleet',
    );
    expect(
      clusterSources(fleet, { scenario: ['staging=s.yaml'], context: ['prod-a=other', 'prod-b=b'] })['prod-a'],
    ).toEqual({ kind: 'snapshot', context: 'other' });
  });

  it('names every cluster without a source (exit 2)', () => {
    const { exitCode, message } = failure({ scenario: ['prod-a=a.yaml'] });
    expect(exitCode).toBe(2);
    expect(message).toContain(
      'no source for clusters staging, prod-b: give --scenario staging=<scenario.yaml> --scenario prod-b=<scenario.yaml>',
    );
  });

  it('names a flag that names no cluster, a cluster given twice, two sources for one cluster and two shared kubeconfigs', () => {
    const all = ['staging=s.yaml', 'prod-a=a.yaml', 'prod-b=b.yaml'];
    expect(failure({ scenario: [...all, 'prod-c=c.yaml'] }).message).toContain(
      '--scenario: expected <cluster>=<scenario file> naming a cluster of the fleet (staging, prod-a, prod-b), got "prod-c=c.yaml"',
    );
    expect(failure({ scenario: [...all, 'staging=t.yaml'] }).message).toContain(
      '--scenario: cluster staging given twice ("s.yaml", "t.yaml")',
    );
    expect(failure({ scenario: all, context: ['prod-b=b'] }).message).toContain(
      '--scenario: cluster prod-b has a scenario and a cluster to snapshot',
    );
    expect(failure({ scenario: all, kubeconfig: ['one', 'two'] }).message).toContain(
      '--kubeconfig: one kubeconfig for every cluster, or <cluster>=<file> per cluster; got "one", "two"',
    );
    expect(failure({ scenario: all, faults: ['f.yaml'] }).message).toContain(
      '--faults: expected <cluster>=<faults file>',
    );
  });
});
