/**
 * A local stand-in for Slack's Web API: answers the methods the activities and the bridge call
 * (form-encoded or JSON, as @slack/web-api sends them), records every call, and fails on request
 * so tests can see how Slack's refusals and outages come back.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  method: string;
  args: Record<string, unknown>;
  /** The Authorization header as received: the token travels there, never in args. */
  authorization: string | undefined;
  /** What the stand-in answered. */
  response?: Record<string, unknown>;
}

export interface InjectedFailure {
  status?: number;
  error?: string;
  retryAfterSeconds?: number;
}

/** The id a channel name resolves to, as Slack answers chat.postMessage with the id. */
export const CHANNEL_ID = 'C0GATES01';
export const BOT_USER_ID = 'UBOT00001';

/** Arguments @slack/web-api JSON-encodes inside a form body. */
const JSON_ARGS = new Set(['blocks', 'attachments', 'view', 'metadata']);

function parseArgs(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (contentType?.startsWith('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw))
    args[key] = JSON_ARGS.has(key) ? (JSON.parse(value) as unknown) : value;
  return args;
}

export class SlackApiStandIn {
  readonly calls: RecordedCall[] = [];
  private readonly failures = new Map<string, InjectedFailure[]>();
  private server: Server | undefined;
  private counter = 0;

  constructor(private readonly botToken: string) {}

  /** Base URL for `slackApiUrl`, ending in a slash as Slack's does. */
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The next `times` calls of `method` fail this way. */
  failNext(method: string, failure: InjectedFailure, times = 1): void {
    this.failures.set(method, [...(this.failures.get(method) ?? []), ...Array.from({ length: times }, () => failure)]);
  }

  callsOf(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Waits until `count` calls of `method` were received. */
  async waitFor(method: string, count = 1, timeoutMs = 15_000): Promise<RecordedCall[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.callsOf(method).length < count) {
      if (Date.now() > deadline)
        throw new Error(
          `stand-in: ${count} ${method} call(s) expected within ${timeoutMs} ms, got ${this.callsOf(method).length}`,
        );
      await new Promise((r) => setTimeout(r, 25));
    }
    return this.callsOf(method);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0] ?? '';
    const args = parseArgs(Buffer.concat(chunks).toString('utf8'), req.headers['content-type']);
    const authorization = req.headers.authorization;
    const call: RecordedCall = { method, args, authorization };
    this.calls.push(call);

    const reply = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) => {
      call.response = body;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    const failure = this.failures.get(method)?.shift();
    if (failure !== undefined) {
      if (failure.retryAfterSeconds !== undefined)
        return reply(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(failure.retryAfterSeconds) });
      if (failure.status !== undefined) return reply(failure.status, { ok: false, error: 'internal_error' });
      return reply(200, { ok: false, error: failure.error ?? 'internal_error' });
    }
    if (authorization !== `Bearer ${this.botToken}`) return reply(200, { ok: false, error: 'invalid_auth' });

    const ts = `${1_700_000_000 + ++this.counter}.000100`;
    switch (method) {
      case 'auth.test':
        return reply(200, {
          ok: true,
          url: 'https://example.slack.com/',
          team: 'Mesh',
          user: 'istio-upgrades',
          team_id: 'T0MESH001',
          user_id: BOT_USER_ID,
          bot_id: 'B0BOT0001',
        });
      case 'chat.postMessage':
        return reply(200, { ok: true, channel: CHANNEL_ID, ts, message: { text: args.text, blocks: args.blocks } });
      case 'chat.update':
        return reply(200, { ok: true, channel: args.channel, ts: args.ts, text: args.text });
      case 'chat.postEphemeral':
        return reply(200, { ok: true, message_ts: ts });
      case 'views.open':
        return reply(200, { ok: true, view: { id: `V0MODAL${this.counter}` } });
      default:
        return reply(200, { ok: false, error: 'unknown_method' });
    }
  }
}
