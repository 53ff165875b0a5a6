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

/** The paths named for one version name (`1.28.1` or `1.28`): the versions folder first, then the search path. */
function namedPaths(tool: ToolName, name: string, config: ToolsConfig, searchPath: readonly string[]): string[] {
  return [
    ...(config.versionsDir === undefined ? [] : [join(config.versionsDir, name, tool)]),
    ...searchPath.map((dir) => join(dir, `${tool}-${name}`)),
  ];
}

const searchPathOf = (config: ToolsConfig, pathEnv: string): string[] =>
  config.searchPath === undefined ? pathEnv.split(delimiter).filter((dir) => dir !== '') : [...config.searchPath];

/**
 * Every path tried, in order, so a failure can say where it looked. Every exact-patch name comes
 * before any minor name: a `istioctl-1.28` early on the path must not hide an `istioctl-1.28.1`.
 */
export function candidates(
  tool: ToolName,
  version: string | undefined,
  config: ToolsConfig,
  pathEnv = process.env.PATH ?? '',
): string[] {
  const searchPath = searchPathOf(config, pathEnv);
  const names = version === undefined ? [] : versionNames(version);
  const out = names.flatMap((name) => namedPaths(tool, name, config, searchPath));
  if (tool === 'helm' || version === undefined) for (const dir of searchPath) out.push(join(dir, tool));
  return out;
}

/**
 * istioctl's candidates for one release, split by how they are named: a binary named for the
 * exact patch is taken at its word (and checked), one named for the minor only if it reports the
 * exact patch.
 */
export function istioctlCandidates(
  version: string,
  config: ToolsConfig,
  pathEnv = process.env.PATH ?? '',
): { exact: string[]; minor: string[] } {
  const searchPath = searchPathOf(config, pathEnv);
  const [first, second] = versionNames(version);
  if (first === undefined) return { exact: [], minor: [] };
  // "1.28" alone names no patch: any 1.28 binary is as exact as it gets.
  if (second === undefined) return { exact: [], minor: namedPaths('istioctl', first, config, searchPath) };
  return {
    exact: namedPaths('istioctl', first, config, searchPath),
    minor: namedPaths('istioctl', second, config, searchPath),
  };
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

/**
 * The binary that plans and applies releases Terraform owns: TERRAFORM_PATH when set (a missing
 * file there is an error, never a fallback), else `terraform`, else OpenTofu's `tofu`, on the
 * search path. Terraform is version-agnostic: the version variable carries the Istio version.
 */
export function terraformCandidates(config: ToolsConfig, pathEnv = process.env.PATH ?? ''): string[] {
  if (config.terraformPath !== undefined) return [config.terraformPath];
  const searchPath = searchPathOf(config, pathEnv);
  return [...searchPath.map((dir) => join(dir, 'terraform')), ...searchPath.map((dir) => join(dir, 'tofu'))];
}

export function resolveTerraform(config: ToolsConfig, exists: (path: string) => boolean = isExecutable): string {
  const tried = terraformCandidates(config);
  const found = tried.find(exists);
  if (found === undefined)
    throw activityFailure(
      'Validation',
      config.terraformPath === undefined
        ? 'no terraform or tofu on the search path: install one, or set TERRAFORM_PATH'
        : `TERRAFORM_PATH ${config.terraformPath} is not an executable file`,
      { details: { tool: 'terraform', tried: tried.slice(0, 20) } },
    );
  return found;
}
