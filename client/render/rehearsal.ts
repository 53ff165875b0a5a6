/**
 * A rehearsal's outcome as an operator reads it: the differences from their spec, the steps with
 * the status marks `status` uses (soaks at their real length), the rollback, any refusal or
 * failure, the estimate at real speed and the mesh the rehearsal left.
 */
import { describeToolCheck } from '../../core/prechecks/tool-versions.js';
import { formatDuration } from '../../core/spec/duration.js';
import type { RehearsalOutcome } from '../rehearsal/outcome.js';
import { REHEARSAL_APPROVER, soakTimerOf } from '../rehearsal/spec.js';
import { mark } from './status.js';

export function renderRehearsal(o: RehearsalOutcome): string {
  const lines = [
    `Rehearsal ${o.workflowId} on a simulated copy (${o.scenario}): ${o.outcome ?? 'did not end'}`,
    '',
    'Differences from your spec (the rehearsal copy):',
  ];
  lines.push(...(o.specChanges.length > 0 ? o.specChanges.map((c) => `  - ${c}`) : ['  none']));
  if (o.operatorTools !== undefined) {
    lines.push('', `Tools checked (${o.operatorTools.where}; the rehearsal ran stand-ins of each hop's exact patch):`);
    lines.push(...describeToolCheck(o.operatorTools).map((line) => `  ${line}`));
  }
  lines.push('', 'Steps:');
  o.steps.forEach((s, i) => {
    const soak = s.kind === 'soak' ? o.soaks.find((k) => k.timer === soakTimerOf(s)) : undefined;
    const real = soak ? ` [real length ${formatDuration(soak.realSeconds)}]` : '';
    lines.push(
      `  ${String(i + 1).padStart(2)}. ${mark(s.state)} ${s.description}${real}${s.note ? ` (${s.note})` : ''}`,
    );
  });
  if (o.rollback) {
    lines.push('', 'Rollback:');
    o.rollback.forEach((s, i) =>
      lines.push(`  ${String.fromCharCode(97 + (i % 26))}. ${mark(s.state)} ${s.description}`),
    );
  }
  if (o.refusedBy.length > 0)
    lines.push(
      '',
      `Refused: precheck ${o.refusedBy.join(', ')} blocks this upgrade (a real start would be refused the same way)`,
    );
  if (o.failure) lines.push('', `Failure: ${o.failure.type}: ${o.failure.message}`);
  for (const gate of o.failureGates) lines.push(`Failure gate (answered reject by the rehearsal): ${gate}`);
  const e = o.estimate;
  lines.push(
    '',
    `Restarts: ${o.restarts} workload rollout(s); gates: ${o.gates} answered as "${REHEARSAL_APPROVER}"`,
    `Soaks: ${o.soaks.map((s) => `${s.timer} ${formatDuration(s.realSeconds)} (rehearsed in ${formatDuration(s.rehearsedSeconds)})`).join(', ')}`,
    `Estimated duration at real speed: ${formatDuration(e.seconds)} = rollouts and steps ${formatDuration(e.simulatedWorkSeconds)} (${e.workWallSeconds.toFixed(1)} s of work here × time scale ${e.timeScale}) + soaks at their real length ${formatDuration(e.soakSeconds)};`,
    `  not counting the time people take at ${e.gates} gate(s); the tools' own start-up is scaled up too, so it errs long.`,
    '',
    'Mesh after the rehearsal:',
    `  revisions: ${o.finalState.revisions.join(', ') || 'none'}${o.finalState.tags.length > 0 ? `; tags: ${o.finalState.tags.join(', ')}` : ''}`,
    ...Object.entries(o.finalState.namespaces).map(
      ([ns, labels]) =>
        `  namespace ${ns}: ${Object.entries(labels)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}`,
    ),
    ...Object.entries(o.finalState.proxies).map(([workload, proxies]) => `  ${workload}: ${proxies.join(', ')}`),
    ...Object.entries(o.finalState.gateways).map(([gateway, proxy]) => `  gateway ${gateway}: ${proxy}`),
    ...Object.entries(o.finalState.nodeAgents).map(([agent, version]) => `  ${agent}: ${version ?? '?'}`),
    '',
    `Report: ${o.report}`,
  );
  return lines.join('\n');
}
