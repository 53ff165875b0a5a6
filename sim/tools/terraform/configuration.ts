/**
 * The root module the stand-in reads: Terraform's JSON syntax (`*.tf.json`), which real Terraform
 * reads too. Only what an Istio owner module needs: `variable` (with defaults), `provider.helm`'s
 * `kubernetes` block (config_path, config_context), `resource.helm_release.<name>` (name,
 * namespace, chart, repository, version, values as YAML strings, wait, timeout, depends_on) and
 * the built-in `resource.terraform_data.<name>` (input). Strings may hold `${var.name}`; no other
 * expressions. HCL `.tf` files are refused: the stand-in does not parse HCL.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TerraformError } from './errors.js';

export interface Variable {
  name: string;
  default?: unknown;
  sensitive: boolean;
}

export interface ResourceConfig {
  /** `helm_release.istiod` */
  address: string;
  type: 'helm_release' | 'terraform_data';
  name: string;
  /** The resource's attributes with variables substituted. */
  attributes: Record<string, unknown>;
  dependsOn: string[];
}

export interface Configuration {
  variables: Map<string, Variable>;
  resources: ResourceConfig[];
  kube: { configPath?: string; configContext?: string };
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A block in JSON syntax may be an object or a list of objects (repeated blocks). */
const blocks = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObject) : isObject(v) ? [v] : []);

/** The module's `*.tf.json` files, parsed (what `init` checks: no variable is evaluated). */
export function readModule(dir: string): Json[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    throw new TerraformError(
      'Failed to read module directory',
      `Module directory ${dir} does not exist or cannot be read.`,
    );
  }
  const hcl = entries.filter((f) => f.endsWith('.tf'));
  if (hcl.length > 0)
    throw new TerraformError(
      'Unsupported configuration syntax',
      `${hcl.join(', ')}: this terraform stand-in reads only Terraform's JSON syntax (*.tf.json), not HCL.`,
    );
  return entries
    .filter((f) => f.endsWith('.tf.json'))
    .sort()
    .map((f) => {
      try {
        const parsed: unknown = JSON.parse(readFileSync(join(dir, f), 'utf8'));
        if (!isObject(parsed)) throw new Error('not an object');
        return parsed;
      } catch (err) {
        throw new TerraformError('Invalid JSON', `${f}: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
}

function interpolate(value: unknown, vars: Record<string, unknown>): unknown {
  if (typeof value === 'string') {
    const whole = /^\$\{var\.([A-Za-z_][A-Za-z0-9_-]*)\}$/.exec(value);
    if (whole?.[1] !== undefined) return variable(vars, whole[1]);
    return value.replace(/\$\{var\.([A-Za-z_][A-Za-z0-9_-]*)\}/g, (_, name: string) => String(variable(vars, name)));
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, vars));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, vars)]));
  return value;
}

function variable(vars: Record<string, unknown>, name: string): unknown {
  if (!(name in vars))
    throw new TerraformError(
      'Reference to undeclared input variable',
      `An input variable with the name "${name}" has not been declared.`,
    );
  return vars[name];
}

export function loadConfiguration(dir: string, given: Record<string, string>): Configuration {
  const files = readModule(dir);
  if (files.length === 0)
    throw new TerraformError('No configuration files', `There are no Terraform configuration files in ${dir}.`);
  const variables = new Map<string, Variable>();
  for (const file of files)
    for (const [name, raw] of Object.entries(isObject(file.variable) ? file.variable : {})) {
      const decl = blocks(raw)[0] ?? {};
      variables.set(name, {
        name,
        ...('default' in decl && { default: decl.default }),
        sensitive: decl.sensitive === true,
      });
    }
  for (const name of Object.keys(given))
    if (!variables.has(name))
      throw new TerraformError(
        'Value for undeclared variable',
        `A variable named "${name}" was assigned on the command line, but the root module does not declare a variable of that name. To use this value, add a "variable" block to the configuration.`,
      );
  const values: Record<string, unknown> = {};
  for (const v of variables.values()) {
    if (v.name in given) values[v.name] = given[v.name];
    else if ('default' in v) values[v.name] = v.default;
    else
      throw new TerraformError(
        'No value for required variable',
        `The root module input variable "${v.name}" is not set, and has no default value. Use a -var or -var-file command line argument to provide a value for this variable.`,
      );
  }
  const resources: ResourceConfig[] = [];
  let kube: Configuration['kube'] = {};
  for (const file of files) {
    for (const provider of blocks(isObject(file.provider) ? file.provider.helm : undefined)) {
      const k = blocks(provider.kubernetes)[0];
      if (k !== undefined) {
        const resolved = interpolate(k, values) as Json;
        kube = {
          ...(typeof resolved.config_path === 'string' && { configPath: resolved.config_path }),
          ...(typeof resolved.config_context === 'string' && { configContext: resolved.config_context }),
        };
      }
    }
    for (const [type, byName] of Object.entries(isObject(file.resource) ? file.resource : {})) {
      if (type !== 'helm_release' && type !== 'terraform_data')
        throw new TerraformError(
          'Unsupported resource type',
          `The stand-in knows helm_release and terraform_data, not ${type}.`,
        );
      for (const [name, raw] of Object.entries(isObject(byName) ? byName : {})) {
        const body = blocks(raw)[0] ?? {};
        const { depends_on: dependsOn, ...attributes } = body;
        resources.push({
          address: `${type}.${name}`,
          type,
          name,
          attributes: interpolate(attributes, values) as Json,
          dependsOn: Array.isArray(dependsOn) ? dependsOn.map(String) : [],
        });
      }
    }
  }
  return { variables, resources, kube };
}

/** Resources in an order where each comes after what it depends on (Terraform's graph walk, serialised). */
export function dependencyOrder<T extends { address: string; dependsOn: string[] }>(resources: readonly T[]): T[] {
  const byAddress = new Map(resources.map((r) => [r.address, r]));
  const done = new Set<string>();
  const out: T[] = [];
  const visit = (r: T, path: string[]): void => {
    if (done.has(r.address)) return;
    if (path.includes(r.address)) throw new TerraformError('Cycle', [...path, r.address].join(' → '));
    for (const dep of r.dependsOn) {
      const target = byAddress.get(dep);
      if (target !== undefined) visit(target, [...path, r.address]);
    }
    done.add(r.address);
    out.push(r);
  };
  for (const r of resources) visit(r, []);
  return out;
}
