/**
 * The approval bridge: a Bolt app on its HTTP receiver, behind the request guard. The server is
 * ours so the guard sees the raw body and headers first; what passes goes to Bolt's own request
 * listener, which verifies the signature again, parses, acknowledges and dispatches.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import type { WorkflowClient } from '@temporalio/client';
import type { BridgeConfig } from './config.js';
import { registerGateActions } from './gate-actions.js';
import { RequestGuard } from './request-guard.js';

export const EVENTS_PATH = '/slack/events';
/** Slack's interaction payloads are small; anything larger is not from Slack. */
const BODY_LIMIT_BYTES = 1024 * 1024;

export interface BridgeDeps {
  config: BridgeConfig;
  temporal: WorkflowClient;
  log?: (message: string) => void;
  now?: () => number;
}

export interface Bridge {
  app: App;
  listen(): Promise<AddressInfo>;
  close(): Promise<void>;
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT_BYTES) {
        reject(new BodyTooLarge());
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function answer(res: ServerResponse, status: number): void {
  if (res.headersSent) return;
  res.writeHead(status);
  res.end();
}

export function createBridge(deps: BridgeDeps): Bridge {
  const log = deps.log ?? ((message: string) => console.log(`slack-bridge: ${message}`));
  const receiver = new HTTPReceiver({
    signingSecret: deps.config.signingSecret,
    endpoints: [EVENTS_PATH],
    logLevel: LogLevel.WARN,
  });
  const app = new App({
    receiver,
    token: deps.config.botToken,
    logLevel: LogLevel.WARN,
    clientOptions: { slackApiUrl: deps.config.apiUrl },
  });
  registerGateActions(app, { temporal: deps.temporal, approvers: deps.config.approvers, log });
  const guard = new RequestGuard(deps.config.signingSecret, deps.now === undefined ? {} : { now: deps.now });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST' || req.url?.split('?')[0] !== EVENTS_PATH) return answer(res, 404);
    let raw: Buffer;
    try {
      raw = await readBody(req);
    } catch (err) {
      return answer(res, err instanceof BodyTooLarge ? 413 : 400);
    }
    const verdict = guard.check(req.headers, raw.toString('utf8'));
    if (!verdict.ok) {
      log(`refused a request: ${verdict.reason}`);
      return answer(res, 401);
    }
    // Bolt reuses a body already read into rawBody instead of reading the stream again.
    (req as IncomingMessage & { rawBody?: Buffer }).rawBody = raw;
    receiver.requestListener(req, res);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log(`request failed: ${err instanceof Error ? err.message : String(err)}`);
      answer(res, 500);
    });
  });

  return {
    app,
    listen: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(deps.config.port, deps.config.host, () => resolve(server.address() as AddressInfo));
      }),
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
