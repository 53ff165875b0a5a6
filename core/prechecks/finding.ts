/** How much a precheck finding matters: `block` refuses the plan (exit 3), `warn` and `info` are shown. */
export const SEVERITIES = ['block', 'warn', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** What a precheck found, in terms an operator can act on. */
export interface Finding {
  /** The check that fired, e.g. `native-sidecars-foreign-webhook`. Stable: scripts may match on it. */
  check: string;
  severity: Severity;
  /** One sentence: what is wrong and why it matters for this upgrade. */
  message: string;
  /** The objects that show it, e.g. `MutatingWebhookConfiguration/vault-agent-injector`. */
  evidence: string[];
  /** What to do about it. */
  remedy: string;
  /** The hop of an in-place chain the finding belongs to (`1.26.4 -> 1.27.3`); absent when it is about the whole upgrade. */
  hop?: string;
  /** The upstream page the check comes from. */
  source?: string;
}
