/**
 * Real Temporal servers for tests, from the binaries `npm run setup` installs (never downloaded).
 * The dev server is shared by the whole run (shared-dev-server.ts, started by global-setup.ts); each time-skipping
 * environment is private to the test file that creates it.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { inject } from 'vitest';
import proto from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../../core/vocabulary.js';
import { testServerPath } from '../../scripts/tools.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
  }
}

/** A test environment on the shared dev server: real time, full server features (Updates). */
export function devServerEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createFromExistingServer({ address: inject('temporalAddress') });
}

const indexedValueType = {
  Keyword: proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  KeywordList: proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
} as const;

/**
 * A private time-skipping environment: timers of hours pass in milliseconds. The test server
 * knows no custom search attributes until they are added, and workflows upsert ours.
 */
export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: testServerPath() } },
  });
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      Object.entries(SEARCH_ATTRIBUTES).map(([name, type]) => [name, indexedValueType[type]]),
    ),
  });
  return env;
}
