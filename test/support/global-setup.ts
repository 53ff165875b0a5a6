import type { TestProject } from 'vitest/node';
import { startSharedDevServer } from './shared-dev-server.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startSharedDevServer();
  project.provide('temporalAddress', server.address);
  return () => server.stop();
}
