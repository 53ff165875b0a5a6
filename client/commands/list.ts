/**
 * `list`: upgrades and rollbacks from Temporal visibility, filtered by the search attributes the
 * workflows keep up to date, so it answers "what runs where, and what waits for me" without
 * opening any workflow (and without a worker).
 */
import { PAUSED_SEARCH_PHASE, PHASES } from '../../core/vocabulary.js';
import { ROLLBACK_WORKFLOW, UPGRADE_WORKFLOW } from '../../workflows/messages.js';
import {
  istioSourceVersionKey,
  istioTargetVersionKey,
  meshClusterKey,
  pendingGateKey,
  upgradePhaseKey,
} from '../../workflows/search-attributes.js';
import { usage } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { operatorName } from '../identity.js';
import { table } from '../render/table.js';
import { withTemporal } from '../temporal.js';

export interface ListOptions {
  cluster?: string;
  phase?: string;
  running?: boolean;
  limit?: string;
  json?: boolean;
}

export interface ListRow {
  workflowId: string;
  type: string;
  status: string;
  phase: string | null;
  pendingGates: string[];
  cluster: string | null;
  source: string | null;
  target: string | null;
  startedAt: string;
  closedAt: string | null;
}

/** Visibility queries are a small SQL; a quote in a value would end the string early. */
function literal(flag: string, value: string): string {
  if (!/^[A-Za-z0-9_.:/-]+$/.test(value))
    throw usage(`${flag}: expected a name (letters, digits, "-", "_", ".", ":", "/"), got "${value}"`);
  return `'${value}'`;
}

export function visibilityQuery(options: ListOptions): string {
  const clauses = [`WorkflowType IN ('${UPGRADE_WORKFLOW}', '${ROLLBACK_WORKFLOW}')`];
  if (options.cluster !== undefined) clauses.push(`MeshCluster = ${literal('--cluster', options.cluster)}`);
  if (options.phase !== undefined) {
    const known: readonly string[] = [...PHASES, PAUSED_SEARCH_PHASE];
    if (!known.includes(options.phase))
      throw usage(`--phase: expected one of ${known.join(', ')}, got "${options.phase}"`);
    clauses.push(`UpgradePhase = '${options.phase}'`);
  }
  if (options.running) clauses.push(`ExecutionStatus = 'Running'`);
  return clauses.join(' AND ');
}

export async function runList(options: ListOptions): Promise<number> {
  const limit = Number(options.limit ?? 50);
  if (!Number.isInteger(limit) || limit <= 0)
    throw usage(`--limit: expected a positive whole number, got "${options.limit}"`);
  const query = visibilityQuery(options);
  const rows = await withTemporal(operatorName(undefined), async (session) => {
    const found: ListRow[] = [];
    for await (const execution of session.client.workflow.list({ query, pageSize: Math.min(limit, 100) })) {
      const attributes = execution.typedSearchAttributes;
      found.push({
        workflowId: execution.workflowId,
        type: execution.type,
        status: execution.status.name,
        phase: attributes.get(upgradePhaseKey) ?? null,
        pendingGates: attributes.get(pendingGateKey) ?? [],
        cluster: attributes.get(meshClusterKey) ?? null,
        source: attributes.get(istioSourceVersionKey) ?? null,
        target: attributes.get(istioTargetVersionKey) ?? null,
        startedAt: execution.startTime.toISOString(),
        closedAt: execution.closeTime?.toISOString() ?? null,
      });
      if (found.length >= limit) break;
    }
    return found;
  });
  if (options.json) {
    console.log(JSON.stringify(rows, null, 2));
    return EXIT.ok;
  }
  if (rows.length === 0) {
    console.log(`no upgrades match (${query})`);
    return EXIT.ok;
  }
  console.log(
    table(
      ['ID', 'TYPE', 'STATUS', 'PHASE', 'WAITING ON', 'CLUSTER', 'VERSIONS', 'STARTED'],
      rows.map((row) => [
        row.workflowId,
        row.type,
        row.status.toLowerCase(),
        row.phase ?? '',
        row.pendingGates.join(','),
        row.cluster ?? '',
        row.source && row.target ? `${row.source} -> ${row.target}` : (row.target ?? ''),
        row.startedAt.slice(0, 19).replace('T', ' '),
      ]),
    ),
  );
  return EXIT.ok;
}
