/** The gate message offers Revert only at a failed workload's gate that a revert can answer. */
import { describe, expect, it } from 'vitest';
import { openGateMessage } from '../../../activities/slack/blocks.js';
import {
  APPROVE_ACTION_ID,
  REJECT_ACTION_ID,
  REVERT_ACTION_ID,
  decodeGateRef,
} from '../../../activities/slack/buttons.js';
import type { GateNotice, PendingGate } from '../../../workflows/messages.js';

const ref = { workflowId: 'istio-upgrade-prod-eu', runId: '5f0c6a0e-0000-4000-8000-000000000001', gateId: '' };

function notice(gate: PendingGate): GateNotice {
  return {
    upgradeId: ref.workflowId,
    cluster: 'prod-eu',
    source: '1.26.4',
    target: '1.27.3',
    strategy: 'revision',
    method: 'istioctl',
    mode: 'sidecar',
    initiator: 'carol',
    approvers: ['alice', 'bob'],
    channel: '#mesh-upgrades',
    gate,
    step: gate.description,
    next: null,
  };
}

function buttons(gate: PendingGate): { action: string; gate: string | undefined }[] {
  const message = openGateMessage(notice(gate), { ...ref, gateId: gate.id }, 'http://localhost:8233');
  return message.blocks.flatMap((block) =>
    block.type === 'actions'
      ? block.elements.map((element) => ({
          action: 'action_id' in element ? (element.action_id ?? '') : '',
          gate: decodeGateRef('value' in element ? element.value : undefined)?.gateId,
        }))
      : [],
  );
}

const failed: PendingGate = {
  id: 'failed:restart:shop/cart-v1@1.27.3#1',
  description: 'Restart shop/cart-v1 … failed',
  openedAt: '2026-03-01T10:00:00.000Z',
  kind: 'failure',
};

describe('the Revert button', () => {
  it('is on a failed workload’s gate a revert can answer, carrying that gate', () => {
    expect(
      buttons({ ...failed, revert: { offered: true, says: 'revert puts namespace shop back on default' } }),
    ).toEqual([
      { action: APPROVE_ACTION_ID, gate: failed.id },
      { action: REJECT_ACTION_ID, gate: failed.id },
      { action: REVERT_ACTION_ID, gate: failed.id },
    ]);
  });

  it('is not offered where nothing can be reverted, nor at a planned gate', () => {
    const nothing = { ...failed, revert: { offered: false, says: 'quiet has no waypoint' } };
    expect(buttons(nothing).map((b) => b.action)).toEqual([APPROVE_ACTION_ID, REJECT_ACTION_ID]);
    const planned: PendingGate = { ...failed, id: 'gate:namespace:shop@1.27.3', kind: 'approval' };
    expect(buttons(planned).map((b) => b.action)).toEqual([APPROVE_ACTION_ID, REJECT_ACTION_ID]);
  });
});
