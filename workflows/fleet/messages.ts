/**
 * The fleet workflow's messages: its input and result, its status query and the one control an
 * upgrade does not have (skip a cluster). Pause, resume and abort are the upgrade's own Updates
 * (workflows/messages.ts), so the CLI, the Web UI and scripts speak to a fleet as to an upgrade.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { AnalysisPhase } from '../../core/analysis/measurement.js';
import type { FleetSpecInput } from '../../core/fleet/spec.js';
import type { ControlRecord, GateDecision, OperatorRequest, PendingGate, RefusedAnswer } from '../messages.js';

export interface FleetInput {
  /** The fleet spec as written (YAML parsed to JSON); the workflow validates it again. */
  fleet: FleetSpecInput;
  /** Who started the fleet; the initiator of every cluster's upgrade too. */
  initiator: string;
  /** Precheck ids overridden per cluster, as `start --override-precheck` does for one upgrade. */
  overridePrechecks?: Record<string, string[]>;
}

/** Where one cluster of the fleet is. The last five are how its upgrade ended. */
export const FLEET_CLUSTER_STATES = [
  'pending',
  'waiting-window',
  'running',
  'completed',
  'partial',
  'rolled-back',
  'failed',
  'refused',
  'skipped',
  'not-started',
] as const;
export type FleetClusterState = (typeof FLEET_CLUSTER_STATES)[number];

export const FLEET_STAGE_STATES = ['pending', 'awaiting-approval', 'running', 'baking', 'done', 'halted'] as const;
export type FleetStageState = (typeof FLEET_STAGE_STATES)[number];

export interface FleetClusterStatus {
  name: string;
  stage: string;
  state: FleetClusterState;
  /** The child upgrade's workflow id: `status`, `approve` and the Web UI take it as for any upgrade. */
  workflowId: string;
  taskQueue: string;
  /** While it waits for a maintenance window or a freeze to end: until when, and why. */
  window: { until: string; why: string } | null;
  /** Why it ended as it did (a failure, a refusal, who skipped it). */
  reason: string | null;
  /** Its analysis while its stage baked (a child workflow on its queue); absent without analysis or bake. */
  bake?: { workflowId: string; phase: AnalysisPhase | 'Running'; summary: string | null };
}

export interface FleetStageStatus {
  name: string;
  state: FleetStageState;
  clusters: string[];
  concurrency: number;
  allowedFailures: number;
  failures: number;
  /** ISO time the bake after the stage ends, while it bakes. */
  bakeUntil: string | null;
}

export const FLEET_OUTCOMES = ['completed', 'halted', 'aborted', 'refused'] as const;
export type FleetOutcome = (typeof FLEET_OUTCOMES)[number];

export interface FleetStatus {
  kind: 'fleet';
  name: string;
  target: string;
  initiator: string;
  held: boolean;
  stages: FleetStageStatus[];
  clusters: FleetClusterStatus[];
  pendingGates: PendingGate[];
  decisions: GateDecision[];
  controls: FleetControlRecord[];
  refused: RefusedAnswer[];
  outcome: FleetOutcome | null;
  /** Why the fleet halted, was aborted or refused. */
  reason: string | null;
}

export interface FleetResult {
  outcome: FleetOutcome;
  status: FleetStatus;
}

export interface SkipClusterRequest extends OperatorRequest {
  cluster: string;
}

/** An accepted fleet control, as ControlRecord is for an upgrade's. */
export interface FleetControlRecord extends Omit<ControlRecord, 'action'> {
  action: 'pause' | 'resume' | 'abort' | 'skipCluster';
  cluster?: string;
}

export const fleetStatusQuery = defineQuery<FleetStatus>('fleetStatus');
/** Leave a cluster out: it does not start (a running upgrade is not touched: abort that one itself). */
export const skipClusterUpdate = defineUpdate<FleetControlRecord, [SkipClusterRequest]>('skipCluster');
