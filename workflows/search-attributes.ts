/** Typed keys for the search attributes named in core/vocabulary.ts. */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const upgradePhaseKey = defineSearchAttributeKey('UpgradePhase', SearchAttributeType.KEYWORD);
export const pendingGateKey = defineSearchAttributeKey('PendingGate', SearchAttributeType.KEYWORD_LIST);
export const istioTargetVersionKey = defineSearchAttributeKey('IstioTargetVersion', SearchAttributeType.KEYWORD);
export const meshClusterKey = defineSearchAttributeKey('MeshCluster', SearchAttributeType.KEYWORD);
export const istioSourceVersionKey = defineSearchAttributeKey('IstioSourceVersion', SearchAttributeType.KEYWORD);
export const upgradeStrategyKey = defineSearchAttributeKey('UpgradeStrategy', SearchAttributeType.KEYWORD);
export const istioInstallerKey = defineSearchAttributeKey('IstioInstaller', SearchAttributeType.KEYWORD);
export const dataPlaneModeKey = defineSearchAttributeKey('DataPlaneMode', SearchAttributeType.KEYWORD);
/** The fleet an upgrade belongs to (the fleet workflow's id), on the fleet and on each of its clusters' upgrades. */
export const fleetIdKey = defineSearchAttributeKey('FleetId', SearchAttributeType.KEYWORD);
/** The fleet's stage: on the fleet, the stage it is in (or its outcome); on a cluster's upgrade, its stage. */
export const fleetStageKey = defineSearchAttributeKey('FleetStage', SearchAttributeType.KEYWORD);

/** Every key, for servers that must register them (dev server, tests). */
export const ALL_SEARCH_ATTRIBUTE_KEYS = [
  upgradePhaseKey,
  pendingGateKey,
  istioTargetVersionKey,
  istioSourceVersionKey,
  meshClusterKey,
  upgradeStrategyKey,
  istioInstallerKey,
  dataPlaneModeKey,
  fleetIdKey,
  fleetStageKey,
];
