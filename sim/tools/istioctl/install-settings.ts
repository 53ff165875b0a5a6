/**
 * What `istioctl install` is asked to install: an IstioOperator from `-f` files with `--set`
 * paths on top, reduced to the settings the sim's manifests render. Paths outside the
 * IstioOperator spec fail as they do in istioctl; accepted paths the sim has no use for
 * (`components.*` other than the node agents' `enabled`, `hub`, `tag`, other `values.*`) are
 * accepted and ignored.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { COMPATIBILITY_WINDOW } from '../../../core/prechecks/compatibility-version.js';
import { parseVersion } from '../../istio/version.js';
import { ToolError } from '../cli/tool-error.js';
import { minorOf } from '../istio/tool-version.js';

export const PROFILES = ['default', 'demo', 'minimal', 'ambient'] as const;
export type Profile = (typeof PROFILES)[number];

export interface InstallSettings {
  profile: Profile;
  /** `default` for the revision-less control plane. */
  revision: string;
  namespace: string;
  compatibilityVersion?: string;
  meshConfig?: Record<string, unknown>;
  /** `values.pilot.env.*`: extra istiod environment, e.g. ENABLE_NATIVE_SIDECARS. */
  pilotEnv: Record<string, string>;
  /** The istiod revision ambient's ztunnel connects to: `values.ztunnel.revision`, else the install's revision. */
  ztunnelRevision: string;
  /**
   * Whether istio-cni and ztunnel are part of the install: `components.cni.enabled` and
   * `components.ztunnel.enabled`, else what the profile says (on for ambient only). A component
   * switched off is neither rendered nor applied nor waited for.
   */
  components: { cni: boolean; ztunnel: boolean };
}

type Tree = Record<string, unknown>;

const SPEC_FIELDS = new Set([
  'profile',
  'revision',
  'namespace',
  'hub',
  'tag',
  'meshConfig',
  'values',
  'components',
  'unvalidatedValues',
  'installPackagePath',
]);

const isTree = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);

function merge(into: Tree, from: Tree): Tree {
  for (const [k, v] of Object.entries(from)) into[k] = isTree(v) && isTree(into[k]) ? merge(into[k], v) : v;
  return into;
}

/** meshConfig takes typed values (`enableTracing=true`); everything else in values is text. */
function scalar(path: string[], raw: string): unknown {
  if (path[0] !== 'meshConfig') return raw;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  return /^-?\d+$/.test(raw) ? Number(raw) : raw;
}

function setPath(tree: Tree, assignment: string): void {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new ToolError(`--set ${assignment}: expected a key=value pair`);
  const path = assignment
    .slice(0, eq)
    .replace(/^spec\./, '')
    .split('.');
  let node = tree;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    node = isTree(next) ? next : (node[key] = {});
  }
  node[path.at(-1) ?? ''] = scalar(path, assignment.slice(eq + 1));
}

function readOperator(file: string): Tree {
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ToolError(`could not read ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!isTree(doc) || doc.kind !== 'IstioOperator') throw new ToolError(`${file}: not an IstioOperator`);
  return isTree(doc.spec) ? doc.spec : {};
}

const text = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;

export type OperatorSpec = Tree;

/**
 * `base` is the spec the files and `--set`s apply on top of: empty for `install`, the running
 * installation's settings for `upgrade`.
 */
export function installSettings(input: {
  files: string[];
  sets: string[];
  revisionFlag?: string;
  toolVersion: string;
  base?: OperatorSpec;
}): InstallSettings {
  const spec: Tree = merge({}, input.base ?? {});
  for (const f of input.files) merge(spec, readOperator(f));
  for (const s of input.sets) setPath(spec, s);
  for (const key of Object.keys(spec))
    if (!SPEC_FIELDS.has(key)) throw new ToolError(`generate config: unknown field "${key}" in IstioOperatorSpec`);

  const values = isTree(spec.values) ? spec.values : {};
  const profile = text(spec.profile) ?? text(values.profile) ?? 'default';
  if (!(PROFILES as readonly string[]).includes(profile))
    throw new ToolError(`generate config: profile "${profile}" not found (the sim knows ${PROFILES.join(', ')})`);
  const revision = input.revisionFlag ?? text(spec.revision) ?? text(values.revision) ?? 'default';
  if (revision !== 'default' && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(revision)) {
    throw new ToolError(
      `invalid revision "${revision}": a revision must be a DNS-1123 label (lowercase letters, digits and '-')`,
    );
  }
  const global = isTree(values.global) ? values.global : {};
  const pilot = isTree(values.pilot) ? values.pilot : {};
  const env = isTree(pilot.env) ? pilot.env : {};
  const ztunnel = isTree(values.ztunnel) ? values.ztunnel : {};
  const compatibilityVersion = text(values.compatibilityVersion);
  if (compatibilityVersion !== undefined) checkCompatibility(compatibilityVersion, input.toolVersion);
  const components = isTree(spec.components) ? spec.components : {};
  const ambient = profile === 'ambient';
  return {
    profile: profile as Profile,
    revision,
    namespace: text(spec.namespace) ?? text(global.istioNamespace) ?? 'istio-system',
    ...(compatibilityVersion === undefined ? {} : { compatibilityVersion }),
    ...(isTree(spec.meshConfig) ? { meshConfig: spec.meshConfig } : {}),
    pilotEnv: Object.fromEntries(
      Object.entries(env).flatMap(([k, v]) => (text(v) === undefined ? [] : [[k, text(v) ?? '']])),
    ),
    ztunnelRevision: text(ztunnel.revision) || revision,
    components: {
      cni: componentEnabled(components, 'cni', ambient),
      ztunnel: componentEnabled(components, 'ztunnel', ambient),
    },
  };
}

/** `enabled` from a file is a boolean; from `--set components.cni.enabled=false` it is text, which istioctl reads the same. */
function componentEnabled(components: Tree, name: string, byProfile: boolean): boolean {
  const component = components[name];
  if (!isTree(component) || component.enabled === undefined) return byProfile;
  const enabled = text(component.enabled);
  if (enabled !== 'true' && enabled !== 'false')
    throw new ToolError(
      `generate config: components.${name}.enabled: cannot unmarshal ${JSON.stringify(component.enabled)} into a bool`,
    );
  return enabled === 'true';
}

/** A release ships compatibility profiles for the previous minors still supported, and no others. */
export function checkCompatibility(compat: string, toolVersion: string): void {
  const v = parseVersion(compat);
  const back = v === undefined ? -1 : minorOf(toolVersion) - v.minor;
  if (back < 1 || back > COMPATIBILITY_WINDOW) {
    const tool = minorOf(toolVersion);
    const offered = Array.from({ length: COMPATIBILITY_WINDOW }, (_, i) => `1.${tool - COMPATIBILITY_WINDOW + i}`).join(
      ', ',
    );
    throw new ToolError(
      `generate config: unknown compatibilityVersion "${compat}": istioctl ${toolVersion} offers ${offered}`,
    );
  }
}
