/**
 * The terraform stand-in: the subset of Terraform's CLI a runbook uses on a root module that owns
 * Istio's Helm releases (`version -json`, `init`, `plan -out`, `show -json <plan>`, `apply <plan>`),
 * with Terraform's single-dash flags, `-chdir`, its diagnostics and exit codes (`plan
 * -detailed-exitcode`: 0 no changes, 2 changes). It reads `*.tf.json` only (configuration.ts),
 * keeps state and its lock the local backend's way (state.ts), and applies releases with the
 * helm stand-in's code (apply.ts).
 */
import { resolve } from 'node:path';
import { connect, type Kube } from '../kube/connect.js';
import { applyPlan } from './apply.js';
import { idOf, planChanges, planCounts, type PlannedChange } from './changes.js';
import { loadConfiguration, readModule } from './configuration.js';
import { diagnostic, TerraformError } from './errors.js';
import { PLAN_FORMAT, readPlan, writePlan } from './plan-file.js';
import { lockState, lockTimeoutMs, readState, TERRAFORM_VERSION } from './state.js';

interface Parsed {
  options: Map<string, string[]>;
  positionals: string[];
}

const BOOLEAN = new Set([
  'input',
  'lock',
  'detailed-exitcode',
  'json',
  'no-color',
  'auto-approve',
  'upgrade',
  'reconfigure',
]);

/** Go's flag package, as Terraform uses it: `-name=value`, `-name value`, `--name` too. */
function parse(args: readonly string[]): Parsed {
  const options = new Map<string, string[]>();
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    const value = eq >= 0 ? body.slice(eq + 1) : BOOLEAN.has(name) ? 'true' : args[++i];
    if (value === undefined)
      throw new TerraformError('Invalid command-line option', `flag needs an argument: -${name}`);
    options.set(name, [...(options.get(name) ?? []), value]);
  }
  return { options, positionals };
}

const last = (p: Parsed, name: string): string | undefined => p.options.get(name)?.at(-1);

function variablesOf(p: Parsed): Record<string, string> {
  const out: Record<string, string> = {};
  for (const assignment of p.options.get('var') ?? []) {
    const eq = assignment.indexOf('=');
    if (eq <= 0)
      throw new TerraformError(
        'Invalid -var option',
        `The given -var option "${assignment}" is not correctly specified. Must be a variable name and value separated by an equals sign, like -var="key=value".`,
      );
    out[assignment.slice(0, eq)] = assignment.slice(eq + 1);
  }
  return out;
}

function describeChange(c: PlannedChange): string[] {
  const [first, second] = c.change.actions;
  const symbol = second !== undefined ? '-/+' : first === 'create' ? '+' : first === 'delete' ? '-' : '~';
  const what =
    second !== undefined
      ? 'must be replaced'
      : first === 'create'
        ? 'will be created'
        : first === 'delete'
          ? 'will be destroyed'
          : 'will be updated in-place';
  const lines = [`  # ${c.address} ${what}`, `  ${symbol} resource "${c.type}" "${c.name}" {`];
  const before = c.change.before ?? {};
  const after = c.change.after ?? {};
  for (const key of ['name', 'namespace', 'chart', 'version', 'input']) {
    if (!(key in before) && !(key in after)) continue;
    const b = JSON.stringify(before[key] ?? null);
    const a = JSON.stringify(after[key] ?? null);
    lines.push(b === a ? `        ${key} = ${a}` : `      ~ ${key} = ${b} -> ${a}`);
  }
  lines.push('    }', '');
  return lines;
}

async function plan(dir: string, p: Parsed): Promise<number> {
  const config = loadConfiguration(dir, variablesOf(p));
  const release =
    last(p, 'lock') === 'false'
      ? () => undefined
      : await lockState(dir, 'OperationTypePlan', lockTimeoutMs(last(p, 'lock-timeout')));
  try {
    const state = readState(dir);
    let kube: Kube | undefined;
    const cluster = () =>
      (kube ??= connect({ kubeconfig: config.kube.configPath, context: config.kube.configContext }));
    const changes = await planChanges(config, state, cluster);
    const acting = changes.filter((c) => !c.change.actions.includes('no-op'));
    const out: string[] = [];
    for (const c of changes)
      if (c.change.before !== null) out.push(`${c.address}: Refreshing state... [id=${idOf(c.change.before, c.name)}]`);
    out.push('');
    if (acting.length === 0) out.push('No changes. Your infrastructure matches the configuration.', '');
    else {
      out.push('Terraform will perform the following actions:', '', ...acting.flatMap(describeChange));
      const n = planCounts(acting);
      out.push(`Plan: ${n.add} to add, ${n.change} to change, ${n.destroy} to destroy.`, '');
    }
    const file = last(p, 'out');
    if (file !== undefined) {
      writePlan(resolve(file), {
        format: PLAN_FORMAT,
        terraform_version: TERRAFORM_VERSION,
        dir,
        lineage: state.lineage,
        serial: state.serial,
        variables: Object.fromEntries(
          [...config.variables.values()].map((v) => [v.name, { value: variablesOf(p)[v.name] ?? v.default }]),
        ),
        sensitiveVariables: [...config.variables.values()].filter((v) => v.sensitive).map((v) => v.name),
        kube: config.kube,
        changes,
      });
      out.push(
        `Saved the plan to: ${file}`,
        '',
        'To perform exactly these actions, run the following command to apply:',
        `    terraform apply "${file}"`,
        '',
      );
    }
    process.stdout.write(out.join('\n'));
    return last(p, 'detailed-exitcode') === 'true' && acting.length > 0 ? 2 : 0;
  } finally {
    release();
  }
}

/** `terraform show -json <plan>`: the plan's JSON representation, with sensitive variables masked as Terraform masks them. */
function show(p: Parsed): number {
  const [file] = p.positionals;
  if (file === undefined || last(p, 'json') !== 'true')
    throw new TerraformError('Unsupported use of show', 'the stand-in prints only `terraform show -json <planfile>`');
  const saved = readPlan(resolve(file));
  const variables = Object.fromEntries(
    Object.entries(saved.variables).map(([name, v]) => [name, saved.sensitiveVariables.includes(name) ? {} : v]),
  );
  process.stdout.write(
    `${JSON.stringify({
      format_version: '1.2',
      terraform_version: saved.terraform_version,
      variables,
      planned_values: { root_module: { resources: [] } },
      resource_changes: saved.changes.map(({ dependsOn: _deps, ...change }) => change),
      configuration: {},
      errored: false,
    })}\n`,
  );
  return 0;
}

async function apply(dir: string, p: Parsed): Promise<number> {
  const [file] = p.positionals;
  if (file === undefined)
    throw new TerraformError(
      'Unsupported use of apply',
      'the stand-in applies only a saved plan: terraform apply <planfile>',
    );
  if (p.options.has('var'))
    throw new TerraformError(
      "Can't set variables when applying a saved plan",
      'The -var and -var-file options cannot be used when applying a saved plan file, because a saved plan includes the variable values that were set when it was created.',
    );
  const saved = readPlan(resolve(file));
  const release =
    last(p, 'lock') === 'false'
      ? () => undefined
      : await lockState(dir, 'OperationTypeApply', lockTimeoutMs(last(p, 'lock-timeout')));
  try {
    process.stdout.write(await applyPlan(dir, saved));
  } finally {
    release();
  }
  return 0;
}

export async function terraform(args: readonly string[]): Promise<number> {
  // Global options come before the subcommand: -chdir=DIR, -help, -version.
  let i = 0;
  let dir = process.cwd();
  for (; i < args.length && (args[i] ?? '').startsWith('-'); i++) {
    const arg = args[i] ?? '';
    if (arg.startsWith('-chdir=')) dir = resolve(arg.slice('-chdir='.length));
    else if (arg === '-version' || arg === '--version') return terraform(['version']);
    else throw new TerraformError('Invalid global option', `${arg} is not a global option`);
  }
  const [command, ...rest] = args.slice(i);
  const p = parse(rest);
  switch (command) {
    case 'version':
      process.stdout.write(
        last(p, 'json') === 'true'
          ? `${JSON.stringify({ terraform_version: TERRAFORM_VERSION, platform: 'linux_amd64', provider_selections: {}, terraform_outdated: false }, null, 2)}\n`
          : `Terraform v${TERRAFORM_VERSION}\non linux_amd64\n`,
      );
      return 0;
    case 'init':
      readModule(dir);
      process.stdout.write('\nInitializing the backend...\n\nTerraform has been successfully initialized!\n');
      return 0;
    case 'plan':
      return plan(dir, p);
    case 'show':
      return show(p);
    case 'apply':
      return apply(dir, p);
    case undefined:
    default:
      process.stderr.write(
        `Terraform has no command named "${command ?? ''}".\n\nTo see all of Terraform's top-level commands, run:\n  terraform -help\n\n`,
      );
      return 1;
  }
}

export async function runTerraform(args: readonly string[]): Promise<void> {
  try {
    process.exitCode = await terraform(args);
  } catch (err) {
    if (err instanceof TerraformError) process.stderr.write(diagnostic(err.summary, err.detail));
    else process.stderr.write(diagnostic(err instanceof Error ? err.message : String(err), ''));
    process.exitCode = 1;
  }
}
