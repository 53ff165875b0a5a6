/**
 * Keeps test output readable: the SDK logs worker start-up and bundling at INFO by default.
 * Warnings and errors still show.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';

Runtime.install({ logger: new DefaultLogger('WARN') });
