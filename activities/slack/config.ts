/**
 * What the Slack activities need from the worker's environment. The token is held here and
 * handed only to the Web API client: it never goes into a result, a failure or a log line.
 */

export interface SlackActivityConfig {
  botToken: string;
  /** Slack's Web API base URL; tests point it at a local stand-in. */
  apiUrl: string;
  /** The Temporal Web UI, for the link to the workflow in each gate message. */
  webUiUrl: string;
}

export const DEFAULT_SLACK_API_URL = 'https://slack.com/api/';
export const DEFAULT_WEB_UI_URL = 'http://localhost:8233';

/**
 * The worker's Slack settings, or the name of the variable that is missing. A worker without
 * Slack still runs every upgrade: the activities then fail non-retryably with that name.
 */
export function slackActivityConfigFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): SlackActivityConfig | { missing: string } {
  const botToken = env.SLACK_BOT_TOKEN?.trim();
  if (!botToken) return { missing: 'SLACK_BOT_TOKEN' };
  return {
    botToken,
    apiUrl: env.SLACK_API_URL?.trim() || DEFAULT_SLACK_API_URL,
    webUiUrl: env.TEMPORAL_UI_URL?.trim() || DEFAULT_WEB_UI_URL,
  };
}
