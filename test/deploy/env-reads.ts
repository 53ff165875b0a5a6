/**
 * The environment variables the shipped code actually reads: `env.X` / `process.env.X` /
 * `env['X']` in the production source, plus the names @temporalio/envconfig looks up (the
 * worker and the clients connect through it). A deploy file that sets anything else sets a
 * variable nobody reads, usually a typo that silently leaves a default in place.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const PRODUCTION_DIRS = ['core', 'activities', 'workflows', 'worker', 'client'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

export function envReadsInSource(root: string): Set<string> {
  const names = new Set<string>();
  for (const dir of PRODUCTION_DIRS) {
    for (const file of sourceFiles(join(root, dir))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\benv\.([A-Z][A-Z0-9_]*)\b/g)) names.add(m[1] ?? '');
      for (const m of text.matchAll(/\benv\[['"]([A-Z][A-Z0-9_]*)['"]\]/g)) names.add(m[1] ?? '');
      // A helper handed the environment and a name: `required(env, 'SLACK_BOT_TOKEN', …)`.
      for (const m of text.matchAll(/\(\s*env,\s*['"]([A-Z][A-Z0-9_]*)['"]/g)) names.add(m[1] ?? '');
    }
  }
  return names;
}

export function envconfigVariables(root: string): Set<string> {
  const lib = join(root, 'node_modules', '@temporalio', 'envconfig', 'lib');
  const names = new Set<string>();
  for (const file of readdirSync(lib).filter((f) => f.endsWith('.js'))) {
    for (const m of readFileSync(join(lib, file), 'utf8').matchAll(/['"](TEMPORAL_[A-Z0-9_]+)['"]/g))
      names.add(m[1] ?? '');
  }
  return names;
}
