/**
 * What a workload test reports. A failing test is an answer, not an error: the activity returns
 * it, and the workflow decides whether to roll back. Only a test that could not run at all
 * (forbidden, API down) throws.
 */
export interface TestReport {
  passed: boolean;
  /** One line for status, logs and Slack: "GET http://… → 503 (wanted 200)". */
  summary: string;
  /** Redacted, bounded facts for the audit trail. */
  evidence: Record<string, string | number | boolean | null>;
  durationMs: number;
}
