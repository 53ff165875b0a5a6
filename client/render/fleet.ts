/**
 * The fleet as text: its plan (stages in order, each cluster's plan summary and blocking
 * findings) and its status (stages, each cluster's state, window, phase and pending gates with the
 * exact commands that answer them).
 */
import type { FleetSpec } from '../../core/fleet/spec.js';
import type { Plan } from '../../core/plan/steps.js';
import { formatDuration } from '../../core/spec/duration.js';
import type { FleetStatus } from '../../workflows/fleet/messages.js';
import type { UpgradeStatus } from '../../workflows/messages.js';
import { answerCommands, CLI } from './commands.js';
import { escapeHtml } from './html.js';

export interface ClusterPlan {
  cluster: string;
  stage: string;
  context: string;
  taskQueue: string;
  windows: number;
  freezes: number;
  /** Null when the cluster could not be read or planned; `error` says why. */
  plan: Plan | null;
  error: string | null;
}

function stageLine(stage: FleetSpec['stages'][number]): string {
  const parts = [
    stage.gate ? 'gate before' : 'no gate',
    `${stage.concurrency} at a time`,
    stage.bake > 0 ? `bake ${formatDuration(stage.bake)} after` : 'no bake',
    stage.allowedFailures === 0 ? 'halt on the first failure' : `halt after ${stage.allowedFailures + 1} failures`,
  ];
  if (stage.onHalt === 'abort-running') parts.push('a halt aborts running upgrades');
  return `stage ${stage.name} (${parts.join(', ')})`;
}

export function renderFleetPlan(fleet: FleetSpec, plans: ClusterPlan[]): string {
  const lines = [
    `Fleet ${fleet.name}: Istio ${fleet.target} on ${Object.keys(fleet.clusters).length} clusters in ${fleet.stages.length} stages`,
  ];
  for (const [index, stage] of fleet.stages.entries()) {
    lines.push('', `${index + 1}. ${stageLine(stage)}`);
    for (const entry of plans.filter((p) => p.stage === stage.name)) {
      const schedule =
        entry.windows === 0 && entry.freezes === 0
          ? 'any time'
          : `${entry.windows} maintenance window${entry.windows === 1 ? '' : 's'}, ${entry.freezes} freeze${entry.freezes === 1 ? '' : 's'}`;
      lines.push(`   ${entry.cluster}: context ${entry.context}, worker queue ${entry.taskQueue}, starts ${schedule}`);
      if (entry.plan === null) {
        lines.push(`      cannot plan: ${entry.error ?? 'unknown'}`.replace(/\n/g, '\n      '));
        continue;
      }
      const plan = entry.plan;
      const gates = plan.steps.filter((s) => s.kind === 'gate').length;
      lines.push(
        `      ${plan.source} -> ${plan.target} (${plan.method}, ${plan.strategy}, ${plan.mode}): ${plan.steps.length} steps, ${gates} gates`,
      );
      const blocking = plan.findings.filter((f) => f.severity === 'block');
      const warnings = plan.findings.filter((f) => f.severity !== 'block' && f.severity !== 'info');
      if (blocking.length === 0) lines.push('      no blocking findings');
      for (const finding of blocking) lines.push(`      BLOCK ${finding.check}: ${finding.message}`);
      if (warnings.length > 0)
        lines.push(
          `      ${warnings.length} warning${warnings.length === 1 ? '' : 's'}: ${[...new Set(warnings.map((w) => w.check))].join(', ')}`,
        );
    }
  }
  const blocked = plans.filter((p) => p.plan === null || p.plan.findings.some((f) => f.severity === 'block'));
  lines.push(
    '',
    blocked.length === 0
      ? `Every cluster can start: ${CLI} fleet start -f <fleet.yaml>`
      : `Blocked: ${blocked.map((p) => p.cluster).join(', ')}; nothing starts until each is fixed or its precheck overridden (--override-precheck <cluster>:<id>)`,
  );
  return lines.join('\n');
}

export function renderFleetStatus(
  workflowId: string,
  fleet: FleetStatus,
  upgrades: Record<string, UpgradeStatus | null>,
): string {
  const lines = [
    `Fleet ${fleet.name} (${workflowId}): Istio ${fleet.target}, started by ${fleet.initiator}${fleet.held ? ', PAUSED (resume to go on)' : ''}`,
  ];
  if (fleet.outcome !== null) lines.push(`outcome: ${fleet.outcome}${fleet.reason ? `: ${fleet.reason}` : ''}`);
  for (const gate of fleet.pendingGates) {
    lines.push(`waiting for approval: ${gate.description}`);
    for (const command of answerCommands(workflowId, gate)) lines.push(`  ${command}`);
  }
  for (const stage of fleet.stages) {
    const bake = stage.bakeUntil ? ` until ${stage.bakeUntil}` : '';
    const failures = stage.failures > 0 ? `, ${stage.failures} failed of ${stage.allowedFailures} allowed` : '';
    lines.push('', `stage ${stage.name}: ${stage.state}${bake}${failures}`);
    for (const cluster of fleet.clusters.filter((c) => c.stage === stage.name)) {
      const upgrade = upgrades[cluster.name] ?? null;
      const phase =
        upgrade && cluster.state === 'running' ? ` (${upgrade.phase}${upgrade.pause ? `, ${upgrade.pause}` : ''})` : '';
      const window = cluster.window ? `: ${cluster.window.why}, opens ${cluster.window.until}` : '';
      const reason = cluster.reason ? `: ${cluster.reason}` : '';
      lines.push(`  ${cluster.name.padEnd(16)} ${cluster.state}${phase}${window}${reason}`);
      if (cluster.bake)
        lines.push(
          `    bake analysis ${cluster.bake.phase}${cluster.bake.summary ? `: ${cluster.bake.summary}` : ''} (${cluster.bake.workflowId})`,
        );
      for (const gate of upgrade?.pendingGates ?? []) {
        lines.push(`    waiting for approval of ${gate.id}: ${gate.description}`);
        for (const command of answerCommands(cluster.workflowId, gate)) lines.push(`      ${command}`);
      }
    }
  }
  if (fleet.outcome === null)
    lines.push(
      '',
      `controls: ${CLI} pause|resume|abort ${workflowId}; ${CLI} fleet skip ${workflowId} <cluster> --comment "why"`,
    );
  return lines.join('\n');
}

/** A table of cells that are already HTML (escaped text, or a link built from escaped parts). */
function htmlTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return '<p class="none">none</p>';
  const head = header.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((row) => `<tr>${row.map((cell) => `<td>${cell}</td>`).join('')}</tr>`).join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/** The fleet's HTML page: one self-contained file, each started cluster linked to its own report. */
export function renderFleetReport(workflowId: string, fleet: FleetStatus, links: Record<string, string>): string {
  const stages = htmlTable(
    ['stage', 'state', 'clusters', 'at once', 'failed / allowed'],
    fleet.stages.map((stage) => [
      escapeHtml(stage.name),
      escapeHtml(stage.state),
      escapeHtml(stage.clusters.join(', ')),
      String(stage.concurrency),
      `${stage.failures} / ${stage.allowedFailures}`,
    ]),
  );
  const clusters = htmlTable(
    ['cluster', 'stage', 'state', 'why', 'upgrade', 'worker queue'],
    fleet.clusters.map((cluster) => {
      const link = links[cluster.name];
      return [
        escapeHtml(cluster.name),
        escapeHtml(cluster.stage),
        escapeHtml(cluster.state),
        escapeHtml(
          [
            cluster.reason ?? cluster.window?.why ?? '',
            cluster.bake
              ? `bake analysis ${cluster.bake.phase}${cluster.bake.summary ? `: ${cluster.bake.summary}` : ''}`
              : '',
          ]
            .filter(Boolean)
            .join('; '),
        ),
        link === undefined
          ? escapeHtml(cluster.workflowId)
          : `<a href="${escapeHtml(encodeURI(link))}">${escapeHtml(cluster.workflowId)}</a>`,
        escapeHtml(cluster.taskQueue),
      ];
    }),
  );
  const decisions = htmlTable(
    ['gate', 'outcome', 'by', 'at', 'comment'],
    fleet.decisions.map((d) => [
      escapeHtml(d.gateId),
      escapeHtml(d.outcome),
      escapeHtml(d.by ?? ''),
      escapeHtml(d.at),
      escapeHtml(d.comment ?? ''),
    ]),
  );
  const controls = htmlTable(
    ['control', 'by', 'at', 'cluster', 'comment'],
    fleet.controls.map((c) => [
      escapeHtml(c.action),
      escapeHtml(c.by),
      escapeHtml(c.at),
      escapeHtml(c.cluster ?? ''),
      escapeHtml(c.comment ?? ''),
    ]),
  );
  const outcome = fleet.outcome === null ? 'running' : fleet.outcome;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Fleet ${escapeHtml(fleet.name)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}</style>
</head><body>
<h1>Fleet ${escapeHtml(fleet.name)}: Istio ${escapeHtml(fleet.target)}</h1>
<p>${escapeHtml(workflowId)}, started by ${escapeHtml(fleet.initiator)}: <strong>${escapeHtml(outcome)}</strong>${fleet.reason ? ` (${escapeHtml(fleet.reason)})` : ''}</p>
<h2>Stages</h2>${stages}
<h2>Clusters</h2>${clusters}
<h2>Fleet gates decided</h2>${decisions}
<h2>Fleet controls</h2>${controls}
</body></html>
`;
}
