import { describe, expect, it } from 'vitest';
import { isSecretKey, redact, redactArgs } from '../../activities/redact.js';

/** Each row: text as a tool, a client library or a config file writes it, and the secret in it. */
const SHAPES: [string, string, string][] = [
  ['env, upper snake', 'TEMPORAL_API_KEY=tk-live-123', 'tk-live-123'],
  ['env, AWS', 'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG', 'wJalrXUtnFEMI/K7MDENG'],
  ['env, session token', 'AWS_SESSION_TOKEN=FwoGZXIvYXdzEJr', 'FwoGZXIvYXdzEJr'],
  ['JSON, camel', '{"accessToken": "ya29.a0AfH6SM"}', 'ya29.a0AfH6SM'],
  ['JSON, compact', '{"password":"hunter2","user":"bob"}', 'hunter2'],
  ['JSON inside a JSON string', '{"stderr":"{\\"clientSecret\\":\\"s3cr3t-json\\"}"}', 's3cr3t-json'],
  ['YAML, snake', 'client_secret: abcdef123', 'abcdef123'],
  ['YAML, kebab', 'client-key-data: LS0tLS1CRUdJTi', 'LS0tLS1CRUdJTi'],
  ['YAML, quoted', "apiKey: 'AIzaSyD-quoted'", 'AIzaSyD-quoted'],
  ['kubeconfig token', '    token: sha256~abcdefgh', 'sha256~abcdefgh'],
  ['--set path', '--set x.password=pa55word', 'pa55word'],
  ['--set after =', '--set=values.global.proxy.privateKey=pk-999', 'pk-999'],
  ['--set, several pairs', '--set a=1,db.password=pw-comma,b=2', 'pw-comma'],
  ['flag with space', 'helm repo add x --password hunter3', 'hunter3'],
  ['flag with =', 'login --token=tok-eq-1', 'tok-eq-1'],
  ['Authorization header', 'Authorization: Bearer abc.def-123', 'abc.def-123'],
  ['basic auth header', 'authorization: Basic dXNlcjpwYXNz', 'dXNlcjpwYXNz'],
  ['API key header', 'X-Api-Key: key-header-7', 'key-header-7'],
  ['URL with password', 'fetch https://admin:url-pass@example.com/x failed', 'url-pass'],
  ['query string', 'GET /cb?access_token=qs-tok&state=1', 'qs-tok'],
  ['credentials word', 'GOOGLE_CREDENTIALS=creds-json', 'creds-json'],
  ['JWT without a label', 'sa eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzYSJ9.c2lnbmF0dXJlLXBhcnQ', 'eyJzdWIiOiJzYSJ9'],
  ['PEM block', '-----BEGIN RSA PRIVATE KEY-----\nMIIEpem\n-----END RSA PRIVATE KEY-----', 'MIIEpem'],
  ['Lightstep token in mesh config', 'lightstep:\n  accessToken: ls-abc', 'ls-abc'],
  ['cookie', 'Cookie=session=ck-1', 'ck-1'],
];

describe('redact', () => {
  it.each(SHAPES)('%s', (_shape, text, secret) => {
    const out = redact(text);
    expect(out).not.toContain(secret);
    expect(out).toContain('[REDACTED]');
  });

  it('keeps the name of what was redacted and the auth scheme', () => {
    expect(redact('TEMPORAL_API_KEY=abc')).toBe('TEMPORAL_API_KEY=[REDACTED]');
    expect(redact('{"accessToken": "x1"}')).toBe('{"accessToken": "[REDACTED]"}');
    expect(redact('Authorization: Bearer abc.def')).toBe('Authorization: Bearer [REDACTED]');
  });

  it('leaves ordinary text alone, keys that only look alike included', () => {
    for (const text of [
      'deployment bookinfo/reviews-v2 has 4/6 replicas updated',
      'Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress',
      'istioctl install -y --revision 1-28 --set values.pilot.env.ENABLE_NATIVE_SIDECARS=false',
      'labels: istio.io/rev=1-28, app=reviews',
    ]) {
      expect(redact(text)).toBe(text);
    }
  });

  it('is idempotent', () => {
    for (const [, text] of SHAPES) expect(redact(redact(text))).toBe(redact(text));
  });
});

describe('secret key names', () => {
  it.each([
    'apiKey',
    'api_key',
    'api-key',
    'API_KEY',
    'x.password',
    'clientSecret',
    'AWS_SECRET_ACCESS_KEY',
    'refresh-token',
  ])('%s is secret', (name) => {
    expect(isSecretKey(name)).toBe(true);
  });
  it.each(['revision', 'istio.io/rev', 'ENABLE_AUTO_SNI', 'key', 'namespace', 'PILOT_TRACE_SAMPLING'])(
    '%s is not',
    (name) => {
      expect(isSecretKey(name)).toBe(false);
    },
  );
});

describe('redactArgs', () => {
  it('redacts secret flags and --set values in argument lists', () => {
    expect(
      redactArgs([
        'install',
        '--token',
        'abc',
        '--password=xyz',
        '--revision',
        '1-28',
        '--set',
        'global.apiKey=k1',
        '--client-secret',
        'c1',
      ]),
    ).toEqual([
      'install',
      '--token',
      '[REDACTED]',
      '--password=[REDACTED]',
      '--revision',
      '1-28',
      '--set',
      'global.apiKey=[REDACTED]',
      '--client-secret',
      '[REDACTED]',
    ]);
  });
});
