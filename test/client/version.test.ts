/** `istio-upgrade --version`: package.json's version, from the sources as from the build. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageVersion } from '../../client/version.js';
import { projectRoot } from '../../scripts/tools.js';
import { runCli } from '../support/cli.js';

const { version } = JSON.parse(await readFile(join(projectRoot, 'package.json'), 'utf8')) as { version: string };

describe('istio-upgrade --version', () => {
  it('prints the package version and exits 0, as -V does', async () => {
    const [long, short] = await Promise.all([runCli(['--version']), runCli(['-V'])]);
    expect([long.exitCode, long.stdout, long.stderr]).toEqual([0, version, '']);
    expect([short.exitCode, short.stdout]).toEqual([0, version]);
  });

  it('finds package.json from the built module under dist/client as from the source', () => {
    expect(packageVersion(join(projectRoot, 'dist', 'client', 'version.js'))).toBe(version);
    expect(packageVersion(join(projectRoot, 'client', 'version.ts'))).toBe(version);
  });
});
