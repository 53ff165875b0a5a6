/**
 * The CLI's commands, options, help and examples. Only commander (and package.json, for
 * --version) is loaded here: each action imports its implementation when it runs, so `--help`
 * and a mistyped flag answer at once instead of after loading the Temporal and Kubernetes
 * clients (about a second on a small machine).
 */
import { Command, Option } from 'commander';
import { EXIT_CODES_HELP } from './exit-codes.js';
import { packageVersion } from './version.js';
import type { FleetPlanOptions, FleetStartOptions } from './commands/fleet.js';
import type { PlanOptions } from './commands/plan.js';
import type { ListOptions } from './commands/list.js';
import type { RehearseCommandOptions } from './commands/rehearse-fleet.js';
import type { RollbackOptions } from './commands/rollback.js';
import type { SnapshotOptions } from './commands/snapshot.js';
import type { StartOptions } from './commands/start.js';
import type { WatchOptions } from './commands/watch.js';

type Run = () => Promise<number>;

/** Runs an action and hands its exit code to the process; errors go to cli.ts. */
async function exitWith(run: Run): Promise<void> {
  process.exitCode = await run();
}

function example(...lines: string[]): string {
  return `\nExample${lines.length > 1 ? 's' : ''}:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n`;
}

const asOption = () =>
  new Option(
    '--as <name>',
    'who you are, recorded in the workflow (default: ISTIO_UPGRADE_USER, else your login name)',
  );
/** A flag that may be given more than once: every value, in order. */
const repeatable = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];
const requestIdOption = () => new Option('--request-id <id>', 'makes a retried request harmless (default: a fresh id)');

export interface ControlOptions {
  as?: string;
  comment?: string;
  requestId?: string;
}

const CONTROLS = [
  {
    name: 'pause',
    action: 'pause',
    description: 'hold the upgrade before its next step (the running step finishes)',
    comment: false,
  },
  { name: 'resume', action: 'resume', description: 'go on after a pause', comment: false },
  {
    name: 'abort',
    action: 'abort',
    description: 'roll back now: the running step is cancelled and the compensation runs',
    comment: false,
  },
  { name: 'retry', action: 'retry', description: 'at a failure gate: run the failed step again', comment: false },
  { name: 'skip', action: 'skip', description: 'at a failure gate: leave the failed step and go on', comment: true },
  { name: 'skip-soak', action: 'skipSoak', description: 'end the running soak or grace period now', comment: true },
] as const;

export function buildProgram(): Command {
  const program = new Command()
    .name('istio-upgrade')
    .description(
      'Durable runbooks for Istio upgrades on Temporal: plan, start, watch, approve, control, roll back, report.',
    )
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('--debug', 'print stack traces and causes of errors')
    .showHelpAfterError('(add --help for usage and examples)')
    .addHelpText(
      'after',
      `\nTemporal is reached through TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, the TLS variables or a
profile in ~/.config/temporalio/temporal.toml; the cluster through --kubeconfig / --context or KUBECONFIG.

${EXIT_CODES_HELP}
${example('istio-upgrade plan -f examples/demo-istioctl-canary.yaml', 'istio-upgrade start -f examples/demo-istioctl-canary.yaml --as carol --watch', 'istio-upgrade approve istio-upgrade-sim before-control-plane --as alice --comment "canary is clean"')}`,
    )
    .exitOverride();
  program.configureOutput({ outputError: (text, write) => write(text) });

  program
    .command('plan')
    .description('read the cluster (read-only), run the prechecks and print the upgrade plan')
    .requiredOption('-f, --file <path>', 'upgrade spec (YAML)')
    .option('--json', 'print the plan as JSON')
    .option('--kubeconfig <path>', 'kubeconfig file (default: KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context (default: the spec cluster.context, else the current one)')
    .addOption(
      new Option('--inventory <path>', 'plan against a saved inventory (JSON) instead of a cluster').hideHelp(),
    )
    .addHelpText(
      'after',
      example('istio-upgrade plan -f examples/demo-istioctl-canary.yaml --kubeconfig ~/.kube/config --context prod'),
    )
    .action((options: PlanOptions) => exitWith(async () => (await import('./commands/plan.js')).runPlan(options)));

  program
    .command('start')
    .description(
      'validate, plan and start an upgrade; refuses when a precheck blocks or the cluster already has one running',
    )
    .requiredOption('-f, --file <path>', 'upgrade spec (YAML)')
    .option('--kubeconfig <path>', 'kubeconfig the plan is read with (default: KUBECONFIG or ~/.kube/config)')
    .option(
      '--context <name>',
      'kubeconfig context (default: the spec cluster.context, else the current one); passed on to the workflow',
    )
    .addOption(asOption())
    .option('--override-precheck <id...>', 'start although this blocking precheck fired (recorded in the workflow)')
    .option('--watch', 'watch the upgrade after starting it')
    .option('--json', 'print the id and links as JSON')
    .addHelpText(
      'after',
      example(
        'istio-upgrade start -f examples/demo-istioctl-canary.yaml --as carol',
        'istio-upgrade start -f spec.yaml --override-precheck native-sidecars --watch',
      ),
    )
    .action((options: StartOptions) => exitWith(async () => (await import('./commands/start.js')).runStart(options)));

  program
    .command('watch <id>')
    .description(
      'a live view of an upgrade until it ends or waits for a human (redraws in a terminal, one line per change otherwise)',
    )
    .option('--follow', 'keep watching while the upgrade waits for a human')
    .option('--interval <seconds>', 'seconds between refreshes', '1')
    .addHelpText(
      'after',
      example(
        'istio-upgrade watch istio-upgrade-sim',
        'istio-upgrade watch istio-upgrade-sim --follow | tee upgrade.log',
      ),
    )
    .action((id: string, options: WatchOptions) =>
      exitWith(async () => (await import('./commands/watch.js')).runWatch(id, options)),
    );

  program
    .command('status <id>')
    .description('the steps, progress, timers, pending gates and who decided what')
    .option('--json', 'print the status as JSON')
    .addHelpText(
      'after',
      example(
        'istio-upgrade status istio-upgrade-sim',
        "istio-upgrade status istio-upgrade-sim --json | jq '.pendingGates'",
      ),
    )
    .action((id: string, options: { json?: boolean }) =>
      exitWith(async () => (await import('./commands/status.js')).runStatus(id, options)),
    );

  for (const verdict of ['approve', 'reject'] as const) {
    program
      .command(`${verdict} <id> <gateId>`)
      .description(`${verdict} a pending gate; you learn at once what was decided or why not`)
      .addOption(asOption())
      .option('--comment <text>', 'why, for the audit trail')
      .addOption(requestIdOption())
      .addHelpText(
        'after',
        example(
          `istio-upgrade ${verdict} istio-upgrade-sim before-control-plane --as alice --comment "${verdict === 'approve' ? 'canary is clean' : '5xx on reviews'}"`,
        ),
      )
      .action((id: string, gateId: string, options: ControlOptions) =>
        exitWith(async () => (await import('./commands/gate.js')).runAnswer(verdict, id, gateId, options)),
      );
  }

  program
    .command('revert <id> <gateId>')
    .description(
      "at a failed workload's gate: put its namespace (or the workload pinned by its pod label, or the waypoint) back on the old revision; the upgrade goes on and ends partial",
    )
    .addOption(asOption())
    .requiredOption('--comment <text>', 'why (required: recorded on the reverted namespace and in the outcome)')
    .addOption(requestIdOption())
    .addHelpText(
      'after',
      example(
        'istio-upgrade revert istio-upgrade-sim "failed:restart:shop/cart@1.27.3#1" --as alice --comment "cart 5xx on 1.27, team looking"',
      ),
    )
    .action((id: string, gateId: string, options: ControlOptions) =>
      exitWith(async () => (await import('./commands/gate.js')).runRevert(id, gateId, options)),
    );

  for (const control of CONTROLS) {
    const command = program
      .command(`${control.name} <id>`)
      .description(control.description)
      .addOption(asOption())
      .addOption(requestIdOption())
      .addHelpText(
        'after',
        example(
          `istio-upgrade ${control.name} istio-upgrade-sim --as alice${control.comment ? ' --comment "known flaky test"' : ''}`,
        ),
      );
    if (control.comment) command.requiredOption('--comment <text>', 'why (required: the audit trail says why)');
    else command.option('--comment <text>', 'why, for the audit trail');
    command.action((id: string, options: ControlOptions) =>
      exitWith(async () => (await import('./commands/controls.js')).runControl(control.action, id, options)),
    );
  }

  program
    .command('extend-soak <id> <duration>')
    .description('make the running soak or grace period longer by a duration like 10m or 1h30m')
    .addOption(asOption())
    .option('--comment <text>', 'why, for the audit trail')
    .addOption(requestIdOption())
    .addHelpText(
      'after',
      example('istio-upgrade extend-soak istio-upgrade-sim 30m --as alice --comment "error rate still settling"'),
    )
    .action((id: string, duration: string, options: ControlOptions) =>
      exitWith(async () => (await import('./commands/controls.js')).runExtendSoak(id, duration, options)),
    );

  program
    .command('rollback <id>')
    .description('roll back a running or finished upgrade, printing the rollback plan first')
    .addOption(asOption())
    .option('--reason <text>', 'why, for the audit trail')
    .option('--kubeconfig <path>', 'kubeconfig the rollback plan is read with')
    .option('--context <name>', 'kubeconfig context')
    .option('--json', 'print the rollback plan and ids as JSON')
    .addHelpText(
      'after',
      example('istio-upgrade rollback istio-upgrade-sim --as alice --reason "latency regression on reviews"'),
    )
    .action((id: string, options: RollbackOptions) =>
      exitWith(async () => (await import('./commands/rollback.js')).runRollback(id, options)),
    );

  const fleet = program
    .command('fleet')
    .description(
      'upgrade many clusters in stages: plan, start, status, watch, skip (pause, resume and abort take the fleet id)',
    );
  const contextOption = () =>
    new Option(
      '--context <cluster=context...>',
      "a cluster's kubeconfig context (default: the fleet spec's, else the cluster name)",
    );
  fleet
    .command('plan')
    .description("read every cluster (read-only) and print each cluster's plan and blocking findings in stage order")
    .requiredOption('-f, --file <path>', 'fleet spec (YAML)')
    .option(
      '--kubeconfig <path>',
      'kubeconfig file holding every cluster context (default: KUBECONFIG or ~/.kube/config)',
    )
    .addOption(contextOption())
    .option('--json', 'print the plans as JSON')
    .addHelpText('after', example('istio-upgrade fleet plan -f fleet.yaml --context prod-a=gke-prod-a'))
    .action((options: FleetPlanOptions) =>
      exitWith(async () => (await import('./commands/fleet.js')).runFleetPlan(options)),
    );
  fleet
    .command('start')
    .description('plan every cluster, refuse if any blocks, then start the fleet on the control task queue')
    .requiredOption('-f, --file <path>', 'fleet spec (YAML)')
    .option('--kubeconfig <path>', 'kubeconfig file holding every cluster context')
    .addOption(contextOption())
    .option('--override-precheck <cluster:id...>', "start although this cluster's blocking precheck fired (recorded)")
    .addOption(asOption())
    .addHelpText('after', example('istio-upgrade fleet start -f fleet.yaml --as alice'))
    .action((options: FleetStartOptions) =>
      exitWith(async () => (await import('./commands/fleet.js')).runFleetStart(options)),
    );
  fleet
    .command('status <id>')
    .description("stages, each cluster's state, window, phase and pending gates with the commands that answer them")
    .option('--json', 'print the fleet and its upgrades as JSON')
    .addOption(asOption())
    .action((id: string, options: { json?: boolean; as?: string }) =>
      exitWith(async () => (await import('./commands/fleet.js')).runFleetStatus(id, options)),
    );
  fleet
    .command('watch <id>')
    .description('print the fleet status whenever it changes, until the fleet ends')
    .option('--interval <seconds>', 'how often to look', '5')
    .addOption(asOption())
    .action((id: string, options: { interval?: string; as?: string }) =>
      exitWith(async () => (await import('./commands/fleet.js')).runFleetWatch(id, options)),
    );
  fleet
    .command('report <id>')
    .description("write the fleet's HTML report and each started cluster's upgrade report beside it, linked")
    .option('--out-dir <dir>', 'where to write them', '.')
    .addOption(asOption())
    .action((id: string, options: { outDir?: string; as?: string }) =>
      exitWith(async () => (await import('./commands/fleet.js')).runFleetReport(id, options)),
    );
  fleet
    .command('skip <id> <cluster>')
    .description('leave a cluster that has not started out of the fleet')
    .requiredOption('--comment <text>', 'why (required: the audit trail says why)')
    .addOption(asOption())
    .addOption(requestIdOption())
    .addHelpText(
      'after',
      example('istio-upgrade fleet skip istio-fleet-mesh-1-27 prod-b --as alice --comment "migrating"'),
    )
    .action((id: string, cluster: string, options: ControlOptions) =>
      exitWith(async () => (await import('./commands/fleet.js')).runFleetSkip(id, cluster, options)),
    );

  program
    .command('list')
    .description('upgrades and rollbacks from Temporal visibility, filtered by the search attributes')
    .option('--cluster <name>', 'only this cluster (MeshCluster)')
    .option(
      '--phase <phase>',
      'only this phase (UpgradePhase), e.g. workloads, completed, or Paused for "waiting for a human"',
    )
    .option('--running', 'only running ones')
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'print the rows as JSON')
    .addHelpText(
      'after',
      example('istio-upgrade list --running', 'istio-upgrade list --phase Paused --cluster prod-eu-1'),
    )
    .action((options: ListOptions) => exitWith(async () => (await import('./commands/list.js')).runList(options)));

  program
    .command('snapshot')
    .description(
      'read a cluster (read-only) and write it as a simulator scenario: namespaces, workloads, Istio revisions, tags, gateways, waypoints, Sail resources, nodes',
    )
    .option('--kubeconfig <path>', 'kubeconfig file (default: KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context (default: the current one)')
    .option('-o, --out <path>', 'where to write the scenario (default: standard output)')
    .option('--istio-namespace <name>', 'where istiod runs', 'istio-system')
    .option('--name <name>', 'the scenario name (default: snapshot-<context>)')
    .addHelpText(
      'after',
      example(
        'istio-upgrade snapshot --kubeconfig ~/.kube/prod --context prod --out prod.yaml',
        'npm run sim -- --scenario prod.yaml',
      ),
    )
    .action((options: SnapshotOptions) =>
      exitWith(async () => (await import('./commands/snapshot.js')).runSnapshot(options)),
    );

  program
    .command('rehearse')
    .description(
      'rehearse an upgrade (or a fleet: one simulator per cluster) unattended on a simulated copy of a cluster (or a scenario) with a private Temporal: steps, failures, restarts, estimated real duration, HTML report',
    )
    .requiredOption('-f, --file <path>', 'upgrade spec or fleet spec (YAML)')
    .option(
      '--kubeconfig <path>',
      'snapshot this cluster (read-only) and rehearse on the copy; a fleet: one file for all, or <cluster>=<path>',
      repeatable,
    )
    .option(
      '--context <name>',
      "kubeconfig context (with --kubeconfig); a fleet: <cluster>=<context> (default: the fleet spec's)",
      repeatable,
    )
    .option(
      '--scenario <path>',
      'rehearse on this scenario file instead of a snapshot; a fleet: <cluster>=<path>',
      repeatable,
    )
    .option(
      '--faults <path>',
      'YAML list of simulator faults switched on once the copy has booted; a fleet: <cluster>=<path>',
      repeatable,
    )
    .option('--time-scale <n>', 'simulated seconds per real second', '60')
    .option('--override-precheck <id...>', 'rehearse although this blocking precheck fired (a fleet: <cluster>:<id>)')
    .option(
      '--temporal',
      'use the Temporal of TEMPORAL_ADDRESS & co. instead of a private local dev server (not for a fleet)',
    )
    .option('--report <path>', 'where to write the HTML report (default: <workflow id>.html)')
    .option('--json', 'print the outcome as JSON')
    .addOption(asOption())
    .addHelpText(
      'after',
      example(
        'istio-upgrade rehearse -f my-upgrade.yaml --kubeconfig ~/.kube/prod --context prod',
        'istio-upgrade rehearse -f examples/demo-istioctl-canary.yaml --scenario sim/scenarios/sidecar-istioctl-1.26.yaml --faults faults.yaml',
        'istio-upgrade rehearse -f fleet.yaml --scenario staging=staging.yaml --scenario prod-a=prod-a.yaml --context prod-b=prod-b',
      ),
    )
    .action((options: RehearseCommandOptions) =>
      exitWith(async () => (await import('./commands/rehearse-fleet.js')).runRehearseCommand(options)),
    );

  program
    .command('report <id>')
    .description('write one self-contained HTML page from the workflow history: timeline, decisions, outcome')
    .option('-o, --out <path>', 'where to write it (default: <id>.html)')
    .addHelpText('after', example('istio-upgrade report istio-upgrade-sim --out report.html'))
    .action((id: string, options: { out?: string }) =>
      exitWith(async () => (await import('./commands/report.js')).runReport(id, options)),
    );

  return program;
}
