import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeTarget, temporalTarget } from '../../client/connection.js';

const noProfile = { TEMPORAL_CONFIG_FILE: '/nonexistent/temporal.toml' };

describe('where the worker and the CLI connect', () => {
  it('defaults to the local dev server, namespace default, task queue istio-upgrades', () => {
    const target = temporalTarget({ ...noProfile });
    expect(target.connectionOptions.address ?? 'localhost:7233').toBe('localhost:7233');
    expect(target.namespace).toBe('default');
    expect(target.taskQueue).toBe('istio-upgrades');
  });

  it('takes a Temporal Cloud address, namespace and API key from the environment, and never prints the key', () => {
    const target = temporalTarget({
      ...noProfile,
      TEMPORAL_ADDRESS: 'mesh.a1b2c.tmprl.cloud:7233',
      TEMPORAL_NAMESPACE: 'mesh.a1b2c',
      TEMPORAL_API_KEY: 'secret-api-key-value',
      ISTIO_UPGRADE_TASK_QUEUE: 'upgrades-eu',
    });
    expect(target.connectionOptions.address).toBe('mesh.a1b2c.tmprl.cloud:7233');
    expect(target.connectionOptions.apiKey).toBe('secret-api-key-value');
    expect(target.namespace).toBe('mesh.a1b2c');
    const described = describeTarget(target);
    expect(described).toBe('mesh.a1b2c.tmprl.cloud:7233 namespace mesh.a1b2c task queue upgrades-eu, TLS, API key');
    expect(described).not.toContain('secret-api-key-value');
  });

  it('reads a named profile from a TOML config file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'envconfig-')), 'temporal.toml');
    writeFileSync(file, '[profile.staging]\naddress = "temporal.staging.internal:7233"\nnamespace = "platform"\n');
    const target = temporalTarget({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'staging' });
    expect(target.connectionOptions.address).toBe('temporal.staging.internal:7233');
    expect(target.namespace).toBe('platform');
  });
});
