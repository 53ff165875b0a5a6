/**
 * The dev server shared by a whole test run. Kept apart from temporal.ts because vitest's
 * globalSetup runs outside the test context and must not import vitest.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ALL_SEARCH_ATTRIBUTE_KEYS } from '../../workflows/search-attributes.js';
import { startDevServer } from '../../scripts/dev-server.js';
import { temporalCliPath } from '../../scripts/tools.js';

export interface SharedDevServer {
  address: string;
  stop(): Promise<void>;
}

/**
 * Starts the dev server through the SDK's launcher; on a machine too slow for the SDK's
 * 5-second start-up window, starts it ourselves and connects to it as an existing server.
 */
export async function startSharedDevServer(): Promise<SharedDevServer> {
  try {
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: temporalCliPath() },
        ip: '127.0.0.1',
        searchAttributes: ALL_SEARCH_ATTRIBUTE_KEYS,
      },
    });
    return { address: env.address, stop: () => env.teardown() };
  } catch (err) {
    console.warn(`SDK dev-server launcher failed (${String(err)}); starting the dev server directly`);
    const server = await startDevServer();
    return server;
  }
}
