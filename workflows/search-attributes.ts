/** Typed keys for the search attributes named in core/vocabulary.ts. */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const upgradePhaseKey = defineSearchAttributeKey('UpgradePhase', SearchAttributeType.KEYWORD);
export const pendingGateKey = defineSearchAttributeKey('PendingGate', SearchAttributeType.KEYWORD_LIST);
export const istioTargetVersionKey = defineSearchAttributeKey('IstioTargetVersion', SearchAttributeType.KEYWORD);
export const meshClusterKey = defineSearchAttributeKey('MeshCluster', SearchAttributeType.KEYWORD);
