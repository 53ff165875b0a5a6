/**
 * The status board of one upgrade: phase, pause reason, gates. It answers the `status` query and
 * mirrors the phase and pending gate into search attributes, so the Web UI can list
 * "every upgrade waiting for approval" without opening each one.
 */
import { setCurrentDetails, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { PauseReason, Phase } from '../core/vocabulary.js';
import { statusQuery } from './messages.js';
import { pendingGateKey, upgradePhaseKey } from './search-attributes.js';
import type { GateDecision, PendingGate, RefusedAnswer, UpgradeStatus } from './messages.js';

/** Keep the refused list bounded: a misbehaving sender must not grow the query result forever. */
const MAX_REFUSED = 50;

export class StatusBoard {
  private phase: Phase;
  private pause: PauseReason | null = null;
  private readonly pending = new Map<string, PendingGate>();
  private readonly decisions: GateDecision[] = [];
  private readonly refused: RefusedAnswer[] = [];

  constructor(initialPhase: Phase) {
    this.phase = initialPhase;
    setHandler(statusQuery, () => this.snapshot());
    this.publish();
  }

  snapshot(): UpgradeStatus {
    return {
      phase: this.phase,
      pause: this.pause,
      pendingGates: [...this.pending.values()],
      decisions: [...this.decisions],
      refused: [...this.refused],
    };
  }

  setPhase(phase: Phase): void {
    this.phase = phase;
    this.publish();
  }

  setPause(reason: PauseReason | null): void {
    this.pause = reason;
    this.publish();
  }

  gateOpened(gate: PendingGate): void {
    this.pending.set(gate.id, gate);
    this.pause = 'awaiting-approval';
    this.publish();
  }

  gateDecided(decision: GateDecision): void {
    this.pending.delete(decision.gateId);
    this.decisions.push(decision);
    if (this.pending.size === 0 && this.pause === 'awaiting-approval') this.pause = null;
    this.publish();
  }

  answerRefused(answer: RefusedAnswer): void {
    this.refused.push(answer);
    if (this.refused.length > MAX_REFUSED) this.refused.shift();
  }

  private publish(): void {
    upsertSearchAttributes([
      { key: upgradePhaseKey, value: this.phase },
      { key: pendingGateKey, value: [...this.pending.keys()] },
    ]);
    const waiting = [...this.pending.values()].map((g) => `waiting for approval of "${g.id}": ${g.description}`);
    setCurrentDetails([`phase: ${this.phase}`, ...waiting].join('\n'));
  }
}
