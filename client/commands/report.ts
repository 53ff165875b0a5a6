/** `report <id> --out report.html`: the upgrade's HTML report, drawn from its workflow history. */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { decodeHistory } from '../codec.js';
import { cliFailure, messageOf } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { operatorName } from '../identity.js';
import { journalOf } from '../render/history.js';
import { renderReport } from '../render/report.js';
import { withTemporal } from '../temporal.js';
import type { Session } from '../temporal.js';
import { readUpgrade } from '../upgrades.js';

/** The HTML report of one upgrade, drawn from its status and its decoded history. */
export async function upgradeReportHtml(session: Session, workflowId: string): Promise<string> {
  const view = await readUpgrade(session, workflowId);
  const history = await decodeHistory(
    await session.client.workflow.getHandle(workflowId).fetchHistory(),
    session.target.dataConverter,
  );
  return renderReport({
    workflowId,
    execution: view.execution,
    status: view.status,
    journal: journalOf(history),
    now: Date.now(),
  });
}

export async function writeReport(out: string, html: string): Promise<void> {
  try {
    await writeFile(out, html);
  } catch (err) {
    throw cliFailure(`cannot write the report to ${out}: ${messageOf(err)}`, err);
  }
}

export async function runReport(workflowId: string, options: { out?: string }): Promise<number> {
  const out = resolve(options.out ?? `${workflowId}.html`);
  const html = await withTemporal(operatorName(undefined), (session) => upgradeReportHtml(session, workflowId));
  await writeReport(out, html);
  console.log(`report written to ${out}`);
  return EXIT.ok;
}
