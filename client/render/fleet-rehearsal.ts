/**
 * A fleet rehearsal as an operator reads it: what the copy changed, the stages with each
 * cluster's outcome and why, the mesh each simulator was left with, the estimate at real speed
 * and where the reports are.
 */
import { formatDuration } from '../../core/spec/duration.js';
import { mark } from './status.js';
import type { FleetClusterRehearsal, FleetRehearsalOutcome } from '../rehearsal/fleet-outcome.js';

function clusterLine(c: FleetClusterRehearsal): string[] {
  const head = `    ${c.name.padEnd(16)} ${c.state}${c.reason ? `: ${c.reason}` : ''}`;
  if (c.steps === null) return [head];
  const done = c.steps.filter((s) => s.state === 'done').length;
  const lines = [
    head,
    `      ${done}/${c.steps.length} steps done, ${c.restarts} restart(s), ${c.gates} gate(s) answered${c.estimate ? `, about ${formatDuration(c.estimate.seconds)} at real speed` : ''}`,
  ];
  const failed = c.steps.find((s) => s.state === 'failed');
  if (failed) lines.push(`      ${mark(failed.state)} ${failed.description}${failed.note ? ` (${failed.note})` : ''}`);
  if (c.rollback) lines.push(`      rolled back: ${c.rollback.map((s) => `${mark(s.state)} ${s.kind}`).join(', ')}`);
  if (c.refusedBy.length > 0) lines.push(`      refused by precheck ${c.refusedBy.join(', ')}`);
  return lines;
}

export function renderFleetRehearsal(o: FleetRehearsalOutcome): string {
  const lines = [
    `Fleet rehearsal ${o.fleetId}: Istio ${o.target} on ${o.clusters.length} simulated clusters: ${o.outcome ?? 'did not end'}${o.reason ? ` (${o.reason})` : ''}`,
    '',
    'Sources (one simulator each):',
    ...o.clusters.map((c) => `  ${c.name}: ${c.source}`),
    '',
    'Differences from your fleet spec (the rehearsal copy):',
    ...(o.specChanges.length > 0 ? o.specChanges.map((c) => `  - ${c}`) : ['  none']),
  ];
  // Every cluster's copy differs the same way in most respects: say each difference once, with the clusters it concerns.
  const byChange = new Map<string, string[]>();
  for (const c of o.clusters)
    for (const change of c.specChanges) byChange.set(change, [...(byChange.get(change) ?? []), c.name]);
  for (const [change, names] of byChange)
    lines.push(`  - ${names.length === o.clusters.length ? 'every cluster' : names.join(', ')}: ${change}`);
  lines.push('', 'Stages:');
  o.stages.forEach((stage, index) => {
    const bake =
      stage.bake.realSeconds === 0
        ? ''
        : `, bake ${formatDuration(stage.bake.realSeconds)} (rehearsed as ${formatDuration(stage.bake.rehearsedSeconds)})`;
    const failures = stage.failures > 0 ? `, ${stage.failures} failed of ${stage.allowedFailures} allowed` : '';
    lines.push(`  ${index + 1}. ${stage.name}: ${stage.state}${failures}${bake}`);
    for (const c of o.clusters.filter((cluster) => cluster.stage === stage.name)) lines.push(...clusterLine(c));
  });
  lines.push('', 'Mesh left on each simulator:');
  for (const c of o.clusters) {
    const proxies = [...new Set(Object.values(c.finalState.proxies).flat())].sort();
    lines.push(
      `  ${c.name}: istiod ${c.finalState.revisions.join(', ') || 'none'}; proxies ${proxies.join(', ') || 'none'}`,
    );
  }
  const e = o.estimate;
  lines.push(
    '',
    `Estimated duration at real speed, started now: ${formatDuration(e.seconds)} = upgrading ${formatDuration(e.unscheduledSeconds - e.bakeSeconds)} (each cluster's rollouts, steps and soaks, on the fleet's stages and lanes) + bakes ${formatDuration(e.bakeSeconds)} + waiting for maintenance windows and freezes ${formatDuration(e.windowWaitSeconds)};`,
    `  not counting the time people take at ${e.gates} gate(s) (time scale ${e.timeScale}; each cluster's part errs long as a single rehearsal's does).`,
  );
  if (e.unmeasured.length > 0) lines.push(`  ${e.unmeasured.join(', ')} did not run here and count as taking no time.`);
  if (e.neverStarts.length > 0)
    lines.push(`  ${e.neverStarts.join(', ')} would never start: no maintenance window opens outside a freeze.`);
  const reports = o.clusters.filter((c) => c.report !== null).length;
  lines.push('', `Report: ${o.report} (${reports} cluster report(s) beside it)`);
  return lines.join('\n');
}
