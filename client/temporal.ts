/**
 * One Temporal client per CLI invocation, named after the operator so the Web UI's history shows
 * who sent each Update. Connection failures become the one message an operator can act on.
 */
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import type { WorkflowHandle } from '@temporalio/client';
import { temporalTarget } from './connection.js';
import type { TemporalTarget } from './connection.js';
import { cliFailure, usage } from './errors.js';

export interface Session {
  client: Client;
  target: TemporalTarget;
  /** Where the Temporal server was looked for, as the operator would type it. */
  address: string;
}

export async function withTemporal<T>(identity: string, fn: (session: Session) => Promise<T>): Promise<T> {
  const target = temporalTarget();
  const address = target.connectionOptions.address ?? 'localhost:7233';
  let connection: Connection;
  try {
    // A short connect deadline: an operator waiting 10 s to learn the server is down is worse than a retry.
    connection = await Connection.connect({ ...target.connectionOptions, connectTimeout: '3s' });
  } catch (err) {
    throw cliFailure(
      `Temporal is not reachable at ${address}: start it with \`npm run temporal\` (or set TEMPORAL_ADDRESS)`,
      err,
    );
  }
  try {
    return await fn({
      client: new Client({
        connection,
        namespace: target.namespace,
        identity,
        ...(target.dataConverter === undefined ? {} : { dataConverter: target.dataConverter }),
      }),
      target,
      address,
    });
  } finally {
    await connection.close();
  }
}

/** The handle of an upgrade that exists, or a usage error naming the id and the namespace. */
export async function existingWorkflow(
  session: Session,
  workflowId: string,
): Promise<{ handle: WorkflowHandle; running: boolean; status: string; closedAt?: Date }> {
  const handle = session.client.workflow.getHandle(workflowId);
  try {
    const description = await handle.describe();
    return {
      handle,
      running: description.status.name === 'RUNNING',
      status: description.status.name,
      ...(description.closeTime && { closedAt: description.closeTime }),
    };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError)
      throw usage(
        `no upgrade with id "${workflowId}" in namespace ${session.target.namespace}: \`istio-upgrade list\` shows the upgrades`,
        err,
      );
    throw err;
  }
}

/**
 * The Web UI page of a workflow. The UI address is not discoverable from the gRPC address, so it
 * comes from TEMPORAL_UI_URL, else the dev server's convention (gRPC port 7233, UI port 8233).
 */
export function webUiLink(session: Session, workflowId: string, env: NodeJS.ProcessEnv = process.env): string {
  const base = env.TEMPORAL_UI_URL ?? defaultUiUrl(session.address);
  return `${base.replace(/\/$/, '')}/namespaces/${encodeURIComponent(session.target.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

function defaultUiUrl(address: string): string {
  const [host = 'localhost', port] = address.split(':');
  const uiPort = port === undefined || port === '7233' ? 8233 : Number(port) + 1000;
  return `http://${host}:${uiPort}`;
}
