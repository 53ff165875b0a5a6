/**
 * What the Prometheus activities need from the worker's environment: the default address and the
 * credentials. Credentials come from the environment only, so they never travel in an activity's
 * input, a result, a failure or workflow history: the spec names at most an address.
 *
 *   PROMETHEUS_URL            the address when the spec gives none
 *   PROMETHEUS_BEARER_TOKEN   sent as `Authorization: Bearer …`, or
 *   PROMETHEUS_USERNAME / PROMETHEUS_PASSWORD   basic auth
 *   PROMETHEUS_CA_FILE        PEM bundle trusted for an https address (a private CA)
 */

export interface PrometheusConfig {
  defaultAddress: string | null;
  /** The Authorization header value, or null; held here and in requests only. */
  authorization: string | null;
  caFile: string | null;
}

export function prometheusConfigFromEnv(env: NodeJS.ProcessEnv = process.env): PrometheusConfig {
  const value = (name: string) => {
    const text = env[name]?.trim();
    return text === undefined || text === '' ? null : text;
  };
  const token = value('PROMETHEUS_BEARER_TOKEN');
  const username = value('PROMETHEUS_USERNAME');
  const password = env.PROMETHEUS_PASSWORD ?? '';
  const authorization =
    token !== null
      ? `Bearer ${token}`
      : username !== null
        ? `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`
        : null;
  return { defaultAddress: value('PROMETHEUS_URL'), authorization, caFile: value('PROMETHEUS_CA_FILE') };
}

export const NO_ADDRESS =
  "no Prometheus address: set analysis.prometheus.address in the spec or PROMETHEUS_URL in the worker's environment";
