/**
 * Picks the binary of a tool for one Istio version. istioctl must match the control plane it
 * installs, so it never falls back to whatever `istioctl` is on PATH; helm is version-agnostic
 * (the chart carries the version) and may.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { activityFailure } from '../failure.js';
import type { ToolName, ToolsConfig } from './config.js';

/** "1.28.1" → ["1.28.1", "1.28"]; "1.28" → ["1.28"]. The most specific name wins. */
export function versionNames(version: string): string[] {
  const match = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+].*)?$/.exec(version.trim());
  if (match === null) return [];
  const minor = `${match[1]}.${match[2]}`;
  return match[3] === undefined ? [minor] : [`${minor}.${match[3]}`, minor];
}

/** Every path tried, in order, so a failure can say where it looked. */
export function candidates(
  tool: ToolName,
  version: string | undefined,
  config: ToolsConfig,
  pathEnv = process.env.PATH ?? '',
): string[] {
  const searchPath = config.searchPath ?? pathEnv.split(delimiter).filter((dir) => dir !== '');
  const names = version === undefined ? [] : versionNames(version);
  const out: string[] = [];
  if (config.versionsDir !== undefined) {
    for (const name of names) out.push(join(config.versionsDir, name, tool));
  }
  for (const name of names) for (const dir of searchPath) out.push(join(dir, `${tool}-${name}`));
  if (tool === 'helm' || version === undefined) for (const dir of searchPath) out.push(join(dir, tool));
  return out;
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function resolveTool(
  tool: ToolName,
  version: string | undefined,
  config: ToolsConfig,
  exists: (path: string) => boolean = isExecutable,
): string {
  if (version !== undefined && versionNames(version).length === 0) {
    throw activityFailure('Validation', `${tool}: "${version}" is not an Istio version`);
  }
  const tried = candidates(tool, version, config);
  const found = tried.find(exists);
  if (found === undefined) {
    throw activityFailure(
      'Validation',
      `no ${tool} for Istio ${version ?? '(any)'}: configure a versions folder or put ${tool}-<version> on PATH`,
      {
        details: { tool, version: version ?? null, tried: tried.slice(0, 20) },
      },
    );
  }
  return found;
}
