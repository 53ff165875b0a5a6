/** The spec's `timeouts:`: a deadline per kind of wait and the stall rule, with safe defaults and errors naming the field. */
import { describe, expect, it } from 'vitest';
import { formatProblems, parseSpec } from '../../../core/spec/parse.js';

const minimal = {
  install: { method: 'sail', mode: 'ambient', strategy: 'revision' },
  version: { target: '1.27.3' },
  approvals: { approvers: ['alice'] },
};

function problems(timeouts: unknown): string[] {
  const result = parseSpec({ ...minimal, timeouts });
  if (result.ok) throw new Error('expected the spec to be refused');
  return formatProblems(result.problems).split('\n');
}

describe('spec timeouts', () => {
  it('defaults: rollouts 10m, node agents 30m, Sail 20m, helm 10m, and a 5-minute stall rule', () => {
    const result = parseSpec(minimal);
    expect(result.ok && result.spec.timeouts).toEqual({
      rollout: 600,
      nodeAgent: 1_800,
      sail: 1_200,
      helm: 600,
      stall: 300,
    });
  });

  it('takes durations and keeps the defaults of the kinds not given', () => {
    const result = parseSpec({ ...minimal, timeouts: { nodeAgent: '2h', stall: '9m' } });
    expect(result.ok && result.spec.timeouts).toEqual({
      rollout: 600,
      nodeAgent: 7_200,
      sail: 1_200,
      helm: 600,
      stall: 540,
    });
  });

  it('refuses a stall rule that no deadline leaves time for, naming the field and the shortest deadline', () => {
    expect(problems({ stall: '15m' })).toEqual([
      "timeouts.stall: expected less than every wait's deadline (rollout is 10m): a stall that long could never fire",
    ]);
  });

  it('refuses a zero or malformed duration and an unknown kind, each naming its field', () => {
    expect(problems({ rollout: '0s' })).toEqual(['timeouts.rollout: expected a duration longer than 0s']);
    expect(problems({ sail: 'soon' })).toEqual(['timeouts.sail: expected a duration like "24h", "10m" or "1h30m"']);
    expect(problems({ ztunnel: '10m' })).toEqual(['timeouts.ztunnel: unknown field']);
  });
});
