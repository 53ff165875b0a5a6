/**
 * How the worker and the CLI reach Temporal. `@temporalio/envconfig` reads TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, the TLS variables and the profile file
 * (~/.config/temporalio/temporal.toml, TEMPORAL_PROFILE), so the same worker runs against the
 * local dev server, a self-hosted cluster or Temporal Cloud. With nothing set it is the local
 * dev server on localhost:7233, namespace default.
 */
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { ClientConnectConfig } from '@temporalio/envconfig';
import type { DataConverter } from '@temporalio/common';
import { dataConverterFromEnv } from './codec.js';

export const DEFAULT_TASK_QUEUE = 'istio-upgrades';

export interface TemporalTarget {
  /** Accepted by both the client's Connection and the worker's NativeConnection. */
  connectionOptions: ClientConnectConfig['connectionOptions'];
  namespace: string;
  taskQueue: string;
  /** Payload encryption (client/codec.ts) when a key is configured; worker and clients must share it. */
  dataConverter?: DataConverter;
}

export function temporalTarget(env: NodeJS.ProcessEnv = process.env): TemporalTarget {
  const overrideEnvVars = Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined),
  );
  const { connectionOptions, namespace } = loadClientConnectConfig({ overrideEnvVars });
  const dataConverter = dataConverterFromEnv(env);
  return {
    connectionOptions,
    namespace: namespace ?? 'default',
    taskQueue: env.ISTIO_UPGRADE_TASK_QUEUE ?? DEFAULT_TASK_QUEUE,
    ...(dataConverter === undefined ? {} : { dataConverter }),
  };
}

/** Where we are connected, for logs: never the API key or TLS material. */
export function describeTarget(target: TemporalTarget): string {
  const tls = target.connectionOptions.tls ? ', TLS' : '';
  const apiKey = target.connectionOptions.apiKey ? ', API key' : '';
  return `${target.connectionOptions.address ?? 'localhost:7233'} namespace ${target.namespace} task queue ${target.taskQueue}${tls}${apiKey}`;
}
