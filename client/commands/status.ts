/** `status <id>`: where an upgrade is, readable or as JSON for scripts. */
import { EXIT } from '../exit-codes.js';
import { operatorName } from '../identity.js';
import { renderStatus } from '../render/status.js';
import { withTemporal } from '../temporal.js';
import { readUpgrade } from '../upgrades.js';

export async function runStatus(workflowId: string, options: { json?: boolean }): Promise<number> {
  const view = await withTemporal(operatorName(undefined), (session) => readUpgrade(session, workflowId));
  console.log(
    options.json
      ? JSON.stringify({ workflowId, execution: view.execution, ...view.status }, null, 2)
      : renderStatus(workflowId, view.status),
  );
  return EXIT.ok;
}
