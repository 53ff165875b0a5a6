/**
 * The bridge's settings: a missing variable is named, the approver mapping comes from JSON in
 * the environment or a file, and nothing secret appears in an error.
 */
import { describe, expect, it } from 'vitest';
import { bridgeConfigFromEnv } from '../../../client/slack/config.js';

const base = {
  SLACK_BOT_TOKEN: 'xoxb-secret-token',
  SLACK_SIGNING_SECRET: 'signing-secret-value',
  SLACK_APPROVERS: '{"U024BE7LH": "alice", "W0123ABCD": "bob"}',
};

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a configuration error');
}

describe('bridge configuration', () => {
  it('names each missing variable', () => {
    expect(errorOf(() => bridgeConfigFromEnv({ ...base, SLACK_BOT_TOKEN: '' }))).toMatch(/^SLACK_BOT_TOKEN is not set/);
    expect(errorOf(() => bridgeConfigFromEnv({ ...base, SLACK_SIGNING_SECRET: undefined }))).toMatch(
      /^SLACK_SIGNING_SECRET is not set/,
    );
    expect(errorOf(() => bridgeConfigFromEnv({ ...base, SLACK_APPROVERS: undefined }))).toMatch(
      /^SLACK_APPROVERS_FILE is not set \(nor SLACK_APPROVERS\)/,
    );
  });

  it('reads the approver mapping from SLACK_APPROVERS, or from the file SLACK_APPROVERS_FILE names', () => {
    const inline = bridgeConfigFromEnv(base);
    expect([...inline.approvers]).toEqual([
      ['U024BE7LH', 'alice'],
      ['W0123ABCD', 'bob'],
    ]);
    expect(inline).toMatchObject({ apiUrl: 'https://slack.com/api/', host: '0.0.0.0', port: 3000 });

    const files: Record<string, string> = { '/etc/bridge/approvers.json': '{"U0CAROL01": " carol "}' };
    const fromFile = bridgeConfigFromEnv(
      {
        ...base,
        SLACK_APPROVERS: undefined,
        SLACK_APPROVERS_FILE: '/etc/bridge/approvers.json',
        SLACK_API_URL: 'http://127.0.0.1:9999/api/',
        SLACK_BRIDGE_PORT: '8080',
      },
      (path) => files[path] ?? '',
    );
    expect([...fromFile.approvers]).toEqual([['U0CAROL01', 'carol']]);
    expect(fromFile).toMatchObject({ apiUrl: 'http://127.0.0.1:9999/api/', port: 8080 });
  });

  it('refuses a mapping that is not an object of Slack user ids to names, and a file it cannot read, without echoing secrets', () => {
    expect(errorOf(() => bridgeConfigFromEnv({ ...base, SLACK_APPROVERS: '["alice"]' }))).toMatch(
      /^SLACK_APPROVERS: expected an object of Slack user id to approver name/,
    );
    expect(errorOf(() => bridgeConfigFromEnv({ ...base, SLACK_APPROVERS: '{"alice": "alice"}' }))).toBe(
      'SLACK_APPROVERS: "alice" is not a Slack user id (like U024BE7LH)',
    );
    expect(errorOf(() => bridgeConfigFromEnv({ ...base, SLACK_APPROVERS: '{"U024BE7LH": ""}' }))).toBe(
      'SLACK_APPROVERS: the name for U024BE7LH must be a non-empty string',
    );
    expect(errorOf(() => bridgeConfigFromEnv({ ...base, SLACK_BRIDGE_PORT: 'http' }))).toBe(
      'SLACK_BRIDGE_PORT: "http" is not a port number',
    );
    const unreadable = errorOf(() =>
      bridgeConfigFromEnv({ ...base, SLACK_APPROVERS: undefined, SLACK_APPROVERS_FILE: '/nowhere.json' }, () => {
        throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
      }),
    );
    expect(unreadable).toBe('SLACK_APPROVERS_FILE: cannot read /nowhere.json (ENOENT)');
    const notJson = errorOf(() => bridgeConfigFromEnv({ ...base, SLACK_APPROVERS: '{U024BE7LH: alice}' }));
    expect(notJson).toMatch(/^SLACK_APPROVERS: not JSON/);
    for (const message of [unreadable, notJson]) {
      expect(message).not.toContain(base.SLACK_BOT_TOKEN);
      expect(message).not.toContain(base.SLACK_SIGNING_SECRET);
    }
  });
});
