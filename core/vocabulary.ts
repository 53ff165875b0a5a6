/**
 * The one vocabulary shared by the planner, the workflows, the CLI, the Web UI search attributes
 * and Slack. A word that is not here does not exist in status, logs or messages.
 */

/** Where an upgrade is. Upserted as the `UpgradePhase` search attribute so the Web UI can filter on it. */
export const PHASES = [
  'planning',
  'prechecks',
  'control-plane',
  'gateways',
  'data-plane',
  'workloads',
  'soak',
  'cleanup',
  'rolling-back',
  'completed',
  'partial',
  'failed',
  'rolled-back',
  'cancelled',
] as const;
export type Phase = (typeof PHASES)[number];

/** Why an upgrade is waiting. `null` in status means it is not waiting. */
export const PAUSE_REASONS = [
  'awaiting-approval',
  'soaking',
  'grace-period',
  'awaiting-rollout',
  'held-by-operator',
] as const;
export type PauseReason = (typeof PAUSE_REASONS)[number];

/**
 * The value of the `UpgradePhase` search attribute while a human is needed (a pending gate or an
 * operator's pause), whatever the phase: `UpgradePhase = "Paused"` lists every such upgrade.
 */
export const PAUSED_SEARCH_PHASE = 'Paused';

/** Where a step of the plan is, as status, the CLI, the report and Slack show it. */
export const STEP_STATES = ['pending', 'running', 'waiting', 'done', 'skipped', 'failed'] as const;
export type StepState = (typeof STEP_STATES)[number];

/** The operator controls of a running upgrade, each a validated Update of the same name. */
export const OPERATOR_ACTIONS = [
  'pause',
  'resume',
  'abort',
  'retry',
  'skip',
  'extendSoak',
  'skipSoak',
  'revert',
] as const;
export type OperatorAction = (typeof OPERATOR_ACTIONS)[number];

/**
 * How an upgrade ended. `partial`: it went through, except namespaces (or workloads) put back on
 * the old revision after they failed; the old revision stays for them.
 */
export const OUTCOMES = ['completed', 'partial', 'rolled-back', 'failed', 'refused'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** How a gate ended. A timeout is its own outcome: it is never read as an approval. */
export const GATE_OUTCOMES = ['approved', 'rejected', 'timed-out'] as const;
export type GateOutcome = (typeof GATE_OUTCOMES)[number];

/**
 * The failure vocabulary. Every failure an activity or workflow raises carries one of these as
 * its type; workflows branch on the type, never on message text. Retryability is a property of
 * the type, so no call site can get it wrong.
 */
export const FAILURE_TYPES = {
  /** Bad input: a spec, an argument, a 400 or 422 from the API. */
  Validation: { retryable: false },
  /** RBAC said no (403) or credentials were refused (401). */
  Forbidden: { retryable: false },
  /** Something that must exist does not (404). */
  NotFound: { retryable: false },
  /** Optimistic concurrency lost a race (409): read again and retry. */
  Conflict: { retryable: true },
  /** The API server asked us to slow down (429). */
  RateLimited: { retryable: true },
  /** The API server or a tool failed on its side (5xx). */
  Unavailable: { retryable: true },
  /** A call or a wait ran out of time, or a connection dropped. */
  Timeout: { retryable: true },
  /** A rollout cannot finish: ProgressDeadlineExceeded or a configured deadline passed. */
  RolloutFailed: { retryable: false },
  /**
   * A wait saw no progress (counts, observed generation, conditions) for the spec's `timeouts.stall`:
   * waiting out the deadline would only hide it. The message names what is stuck.
   */
  RolloutStalled: { retryable: false },
  /** An external command (istioctl, helm) exited non-zero. */
  CommandFailed: { retryable: false },
  /** A workload test ran and failed. */
  TestFailed: { retryable: false },
  /** A precheck with severity `block` fired. */
  PrecheckBlocked: { retryable: false },
  /** The old revision is still used (a proxy, a namespace label, a tag): removing it would break them. */
  RevisionInUse: { retryable: false },
  /** Proxies do not run the version or revision the step expected. */
  ProxyMismatch: { retryable: false },
  /** An install step's product (istiod, a node agent, a Helm release) does not run or report the step's version. */
  VersionMismatch: { retryable: false },
  /** A test failed where the spec says to roll back at once rather than ask (`gates.onTestFailure: false`). */
  AutoRollback: { retryable: false },
  /** An operator aborted the upgrade (or cancelled it from the Web UI): it rolls back. */
  Aborted: { retryable: false },
  /** A human rejected a gate. */
  GateRejected: { retryable: false },
  /** Nobody decided a gate in time. */
  GateTimedOut: { retryable: false },
  /** Metric analysis judged a step or a workload worse than its threshold or its baseline allows. */
  AnalysisFailed: { retryable: false },
  /** Metric analysis could not judge (no data, no baseline) more often than `inconclusiveLimit` allows: a human decides. */
  AnalysisInconclusive: { retryable: false },
  /** Prometheus could not be asked (unreachable, 5xx, a timeout): retried, then a gate. */
  AnalysisError: { retryable: true },
  /** The owner's state is locked by another run (Terraform's state lock): never retried blindly, a human looks. */
  StateLocked: { retryable: false },
  /** The owner's change would destroy or replace something the hop did not ask for (a Terraform plan): it blocks. */
  UnplannedChange: { retryable: false },
  /** A change proposed to GitOps did not reach the cluster by the sync deadline: not merged, or not synced. */
  NotSynced: { retryable: false },
} as const satisfies Record<string, { retryable: boolean }>;
export type FailureType = keyof typeof FAILURE_TYPES;

/**
 * Search attributes the dev server registers and the workflows upsert, with the type names the
 * Temporal CLI uses (`--search-attribute UpgradePhase=Keyword`).
 */
export const SEARCH_ATTRIBUTES = {
  UpgradePhase: 'Keyword',
  PendingGate: 'KeywordList',
  IstioTargetVersion: 'Keyword',
  IstioSourceVersion: 'Keyword',
  MeshCluster: 'Keyword',
  UpgradeStrategy: 'Keyword',
  IstioInstaller: 'Keyword',
  DataPlaneMode: 'Keyword',
  FleetId: 'Keyword',
  FleetStage: 'Keyword',
} as const;
