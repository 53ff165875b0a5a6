/**
 * The bridge's settings, from environment variables. A missing or malformed one stops the
 * bridge at start with its name; the token and the signing secret are kept out of every message.
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_SLACK_API_URL } from '../../activities/slack/config.js';

export interface BridgeConfig {
  botToken: string;
  signingSecret: string;
  /** Slack's Web API base URL; tests point it at a local stand-in. */
  apiUrl: string;
  host: string;
  port: number;
  /** Slack user id → the approver name upgrades list in `approvals.approvers`. */
  approvers: ReadonlyMap<string, string>;
}

export class BridgeConfigError extends Error {
  override name = 'BridgeConfigError';
}

function required(env: NodeJS.ProcessEnv, name: string, what: string): string {
  const value = env[name]?.trim();
  if (!value) throw new BridgeConfigError(`${name} is not set: ${what}`);
  return value;
}

/** Slack ids are upper-case letters and digits starting with U or W (Enterprise Grid). */
const SLACK_USER_ID = /^[UW][A-Z0-9]{2,}$/;

export function parseApprovers(json: string, source: string): Map<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    throw new BridgeConfigError(`${source}: not JSON (${(err as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new BridgeConfigError(
      `${source}: expected an object of Slack user id to approver name, like {"U024BE7LH": "alice"}`,
    );
  }
  const approvers = new Map<string, string>();
  for (const [userId, name] of Object.entries(parsed)) {
    if (!SLACK_USER_ID.test(userId))
      throw new BridgeConfigError(`${source}: "${userId}" is not a Slack user id (like U024BE7LH)`);
    if (typeof name !== 'string' || name.trim() === '')
      throw new BridgeConfigError(`${source}: the name for ${userId} must be a non-empty string`);
    approvers.set(userId, name.trim());
  }
  return approvers;
}

function approversFrom(env: NodeJS.ProcessEnv, readFile: (path: string) => string): Map<string, string> {
  const inline = env.SLACK_APPROVERS?.trim();
  if (inline) return parseApprovers(inline, 'SLACK_APPROVERS');
  const path = env.SLACK_APPROVERS_FILE?.trim();
  if (!path) {
    throw new BridgeConfigError(
      'SLACK_APPROVERS_FILE is not set (nor SLACK_APPROVERS): the mapping of Slack user ids to approver names, as JSON',
    );
  }
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    throw new BridgeConfigError(
      `SLACK_APPROVERS_FILE: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  return parseApprovers(text, `SLACK_APPROVERS_FILE ${path}`);
}

export function bridgeConfigFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): BridgeConfig {
  const botToken = required(
    env,
    'SLACK_BOT_TOKEN',
    "the app's Bot User OAuth Token (xoxb-…), for the ephemeral answers",
  );
  const signingSecret = required(
    env,
    'SLACK_SIGNING_SECRET',
    "the app's Signing Secret (Basic Information → App Credentials)",
  );
  const portText = env.SLACK_BRIDGE_PORT?.trim() || '3000';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new BridgeConfigError(`SLACK_BRIDGE_PORT: "${portText}" is not a port number`);
  return {
    botToken,
    signingSecret,
    apiUrl: env.SLACK_API_URL?.trim() || DEFAULT_SLACK_API_URL,
    host: env.SLACK_BRIDGE_HOST?.trim() || '0.0.0.0',
    port,
    approvers: approversFrom(env, readFile),
  };
}
