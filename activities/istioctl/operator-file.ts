/**
 * Install settings reach istioctl as an IstioOperator file (`-f`), the way Helm gets a values
 * file: on the command line they would show in `ps`, in failure messages and in the command
 * recorded in history, and `--set` values may be credentials.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { activityFailure } from '../failure.js';

type Tree = { [key: string]: string | number | boolean | Tree };

export interface OperatorSettings {
  profile?: string;
  /** Where istiod runs; only written when not `istio-system`. */
  namespace: string;
  /** `values.pilot.env.ENABLE_NATIVE_SIDECARS: "false"`: dotted IstioOperator paths, as `--set` takes them. */
  set?: Readonly<Record<string, string>>;
  /**
   * Node agents switched on or off over the profile's choice (`components.<name>.enabled`): an
   * ambient control plane installed without them leaves istio-cni and ztunnel to steps of their own.
   */
  components?: Readonly<Partial<Record<NodeAgentComponent, boolean>>>;
}

export type NodeAgentComponent = 'cni' | 'ztunnel';

/** meshConfig fields are typed; `--set` turns `true` and numbers into booleans and numbers there, so the file does too. */
function typed(path: readonly string[], raw: string): string | number | boolean {
  if (path[0] !== 'meshConfig') return raw;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  return /^-?\d+$/.test(raw) ? Number(raw) : raw;
}

function setPath(tree: Tree, key: string, value: string): void {
  const path = key.replace(/^spec\./, '').split('.');
  if (path.some((segment) => segment === ''))
    throw activityFailure('Validation', `istioctl install: set: "${key}" is not a dotted path`);
  let node = tree;
  for (const segment of path.slice(0, -1)) {
    const next = node[segment];
    if (next !== undefined && typeof next !== 'object')
      throw activityFailure('Validation', `istioctl install: set: "${key}" crosses the value of ${segment}`);
    node = next ?? (node[segment] = {});
  }
  node[path.at(-1) ?? ''] = typed(path, value);
}

export function istioOperator(settings: OperatorSettings): string {
  const spec: Tree = {};
  if (settings.profile !== undefined) spec.profile = settings.profile;
  if (settings.namespace !== 'istio-system') setPath(spec, 'values.global.istioNamespace', settings.namespace);
  for (const [name, enabled] of Object.entries(settings.components ?? {})) {
    if (name !== 'cni' && name !== 'ztunnel')
      throw activityFailure('Validation', `istioctl install: components.${name}: only cni and ztunnel are switched`);
    if (typeof enabled !== 'boolean')
      throw activityFailure('Validation', `istioctl install: components.${name}: expected true or false`);
    spec.components = { ...(spec.components as Tree | undefined), [name]: { enabled } };
  }
  for (const [key, value] of Object.entries(settings.set ?? {})) {
    if (typeof value !== 'string')
      throw activityFailure('Validation', `istioctl install: set.${key}: expected a string value`);
    setPath(spec, key, value);
  }
  return stringify({ apiVersion: 'install.istio.io/v1alpha1', kind: 'IstioOperator', spec });
}

/** Runs `use` with the IstioOperator in a private file that is removed afterwards, whatever happens. */
export async function withOperatorFile<T>(content: string, use: (path: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'istio-operator-'));
  try {
    const file = join(dir, 'istio-operator.yaml');
    await writeFile(file, content, { mode: 0o600 });
    return await use(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
