/**
 * `npm run sim -- --scenario sim/scenarios/<file>.yaml [--port N] [--time-scale N]`: runs a
 * simulated cluster until Ctrl-C and prints how to reach it.
 */
import { Command, InvalidArgumentError } from 'commander';
import { startSim } from './sim.js';

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
  .parse();

const opts = program.opts<{ scenario: string; port: number; timeScale: number }>();
const sim = await startSim({ scenario: opts.scenario, port: opts.port, timeScale: opts.timeScale });
console.log(`sim: scenario ${sim.scenario.name} running at ${sim.url} (HTTPS: ${sim.httpsUrl})`);
console.log(`export KUBECONFIG=${sim.kubeconfigPath}`);
const shutdown = (): void => {
  sim.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
