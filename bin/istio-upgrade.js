#!/usr/bin/env node
// The `istio-upgrade` executable: runs the built CLI (dist/client/cli.js) with plain Node, no tsx.
// On a fresh clone, or after the sources changed, it first runs `npm run build` (tsc, incremental)
// so `npx istio-upgrade` works right after `npm install` without a build hook in install itself
// (the Docker build runs `npm ci` before the sources are copied in).
import { spawnSync } from 'node:child_process';
import process from 'node:process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'client', 'cli.js');
const stamp = join(root, 'dist', '.tsbuildinfo');

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, mtime(path));
  }
  return newest;
}

const sources = ['client', 'core', 'workflows', 'activities', 'worker'].map((dir) => join(root, dir));
const built_at = Math.min(mtime(built), mtime(stamp));
if (built_at === 0 || sources.some((dir) => newestSource(dir) > built_at)) {
  process.stderr.write('istio-upgrade: building the CLI (npm run build)…\n');
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const build = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  // tsc still writes JavaScript when a type check fails elsewhere in the tree; run what was built.
  if (mtime(built) === 0) {
    process.stderr.write(`istio-upgrade: the build failed (exit ${build.status}); run \`npm run build\` to see why\n`);
    process.exit(1);
  }
}
await import(built);
