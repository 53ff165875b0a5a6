import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../scripts/tools.js';

/** One entry that imports every file in workflows/, so no file escapes the check by not being exported yet. */
function entryImportingEveryWorkflowFile(): string {
  const dir = resolve(projectRoot, 'workflows');
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  // Inside the project so the bundler resolves @temporalio/workflow from our node_modules.
  const entry = join(mkdtempSync(join(projectRoot, 'node_modules', '.workflow-bundle-')), 'entry.ts');
  writeFileSync(entry, files.map((f) => `import ${JSON.stringify(join(dir, f))};\n`).join(''));
  return entry;
}

/** Webpack reports what it could not bundle through the logger, not in the thrown error. */
function collectingLogger(): { logger: Parameters<typeof bundleWorkflowCode>[0]['logger']; lines: string[] } {
  const lines: string[] = [];
  const keep = (message: string) => void lines.push(message);
  return {
    lines,
    logger: { log: (_level, message) => keep(message), error: keep, warn: keep, info() {}, debug() {}, trace() {} },
  };
}

describe('workflow bundle', () => {
  const entry = entryImportingEveryWorkflowFile();
  afterAll(() => rmSync(dirname(entry), { recursive: true, force: true }));

  it('bundles every file in workflows/ with the deterministic sandbox rules', async () => {
    const { logger, lines } = collectingLogger();
    const bundle = await bundleWorkflowCode({ workflowsPath: entry, logger }).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${lines.join('\n')}`);
    });
    expect(bundle.code).toContain('approve');
  });

  it('refuses a workflow that imports a Node built-in', async () => {
    const { logger, lines } = collectingLogger();
    await expect(
      bundleWorkflowCode({
        workflowsPath: resolve(projectRoot, 'test/workflows/fixtures/forbidden-import.ts'),
        logger,
      }),
    ).rejects.toThrow(/Webpack finished with errors/);
    expect(lines.join('\n')).toMatch(/ERROR in node:fs/);
  });
});
