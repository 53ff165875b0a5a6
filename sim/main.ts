/**
 * `npm run sim -- --scenario sim/scenarios/<file>.yaml [--port N] [--time-scale N] [--faults f]`:
 * runs a simulated cluster until Ctrl-C (or SIGTERM) and prints how to reach it.
 *
 * `--ready-json` prints one JSON line once the cluster answers (kubeconfig path, URL, the Istio
 * metrics scrape URL, and with `--stand-in-tools` a folder of stand-in istioctl/helm), so a
 * parent process such as `istio-upgrade rehearse` can drive it without importing sim/. A bad
 * scenario or faults file exits 2 with the field named, before anything listens.
 */
import { readFileSync, rmSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { parse } from 'yaml';
import { z } from 'zod';
import { faultSchema, type Fault } from './faults/fault.js';
import { formatIssues, loadScenario, ScenarioError } from './scenario/load.js';
import { startSim } from './sim.js';
import { standInToolsFolder } from './tools/stand-in-folder.js';

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a non-negative number');
  return n;
}

const program = new Command('sim')
  .description('Run a simulated Kubernetes cluster with Istio')
  .requiredOption('--scenario <file>', 'scenario YAML file')
  .option('--port <port>', 'loopback port (0 = random)', positive, 0)
  .option('--time-scale <n>', 'sim-seconds per real second', positive, 1)
  .option('--faults <file>', "YAML list of faults switched on once the cluster has booted (as a scenario's faults:)")
  .option('--ready-json', 'print one JSON line when ready: {"ready":true,"kubeconfig":…,"url":…}')
  .option('--stand-in-tools', 'create a folder of stand-in istioctl-<minor> and helm and name it in the ready line')
  .option(
    '--stand-in-patches <versions>',
    'with --stand-in-tools: also istioctl-<patch> for each of these comma-separated releases',
    (value: string) => value.split(',').filter((v) => v !== ''),
  )
  .parse();

const opts = program.opts<{
  scenario: string;
  port: number;
  timeScale: number;
  faults?: string;
  readyJson?: boolean;
  standInTools?: boolean;
  standInPatches?: string[];
}>();

/** Bad input: the message names the file and the field; exit 2 as the CLI does. */
function refuse(message: string): never {
  console.error(message);
  process.exit(2);
}

function readFaults(file: string): Fault[] {
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    refuse(`cannot read faults ${file}: ${(err as Error).message.split('\n')[0] ?? ''}`);
  }
  // A bare list, or a scenario-like `faults:` key.
  const list = raw !== null && typeof raw === 'object' && !Array.isArray(raw) && 'faults' in raw ? raw.faults : raw;
  const result = z.array(faultSchema).safeParse(list);
  if (!result.success)
    refuse(`invalid faults ${file}:\n${formatIssues(result.error.issues).replace(/^/gm, '  faults')}`);
  return result.data;
}

let scenario;
try {
  scenario = loadScenario(opts.scenario);
} catch (err) {
  if (err instanceof ScenarioError) refuse(err.message);
  throw err;
}
const faults = opts.faults === undefined ? [] : readFaults(opts.faults);
const sim = await startSim({ scenario, port: opts.port, timeScale: opts.timeScale });
for (const fault of faults) sim.faults.add(fault);
let tools: string | undefined;
try {
  tools = opts.standInTools ? standInToolsFolder({ patches: opts.standInPatches ?? [] }) : undefined;
} catch (err) {
  refuse(`--stand-in-patches: ${(err as Error).message}`);
}
if (opts.readyJson) {
  console.log(
    JSON.stringify({
      ready: true,
      scenario: sim.scenario.name,
      url: sim.httpsUrl,
      metrics: sim.metricsUrl,
      kubeconfig: sim.kubeconfigPath,
      ...(tools && { tools }),
      faults: faults.length,
    }),
  );
} else {
  console.log(`sim: scenario ${sim.scenario.name} running at ${sim.url} (HTTPS: ${sim.httpsUrl})`);
  console.log(`export KUBECONFIG=${sim.kubeconfigPath}`);
  console.log(`Istio metrics (Prometheus scrape target): ${sim.metricsUrl}`);
  if (tools) console.log(`stand-in tools: ${tools}`);
}
const shutdown = (): void => {
  if (tools) rmSync(tools, { recursive: true, force: true });
  sim.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
