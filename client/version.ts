/**
 * The version `istio-upgrade --version` prints: package.json's, read at run time from the nearest
 * package.json above this module, which is the checkout's both from the sources (client/, under
 * tsx) and from the build (dist/client/).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageVersion(from: string = fileURLToPath(import.meta.url)): string {
  for (let dir = dirname(from); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest))
      return (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: string }).version ?? 'unknown';
  }
  return 'unknown';
}
