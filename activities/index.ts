/**
 * Everything the worker registers, as one flat object of activity functions. Workflows import
 * only the type (`import type { Activities }`) and call them through proxyActivities.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { createHelmActivities } from './helm/activities.js';
import { createIstioctlActivities } from './istioctl/activities.js';
import { createKubeClients } from './kubernetes/clients.js';
import { createKubernetesActivities } from './kubernetes/index.js';
import { createProbeActivities } from './probes/workload-test.js';
import { createSailActivities } from './sail/activities.js';
import { createSlackActivities } from './slack/activities.js';
import type { SlackActivityConfig } from './slack/config.js';
import { createSailTagActivities } from './sail/revision-tag.js';
import { createWorkloadActivities } from './workloads/rollout-workload.js';
import { createRevisionUserActivities } from './kubernetes/revision-users.js';
import type { ToolsConfig } from './tools/config.js';
import { createToolCheckActivities } from './tools/check.js';
import { createPrometheusActivities } from './prometheus/activities.js';
import { createTerraformActivities } from './terraform/activities.js';
import type { PrometheusConfig } from './prometheus/config.js';
import { createGitActivities } from './git/activities.js';
import { gitConfigFromEnv, type GitConfig } from './git/config.js';

export interface ActivityDeps {
  kubeConfig: KubeConfig;
  tools: ToolsConfig;
  /** Without it (or with a variable missing) the Slack activities fail non-retryably and upgrades go on without Slack. */
  slack?: SlackActivityConfig | { missing: string };
  /** Prometheus for metric analysis; default: read from the worker's environment (activities/prometheus/config.ts). */
  prometheus?: PrometheusConfig;
  /**
   * The one cluster this worker serves (ISTIO_UPGRADE_CLUSTER): reported with every inventory so
   * an upgrade routed to this worker for another cluster is refused instead of run here.
   */
  cluster?: string;
  /** Who the GitOps owner's commits are by; default: read from the worker's environment (activities/git/config.ts). */
  git?: GitConfig;
}

export function createActivities(deps: ActivityDeps) {
  const clients = createKubeClients(deps.kubeConfig);
  const kubernetes = createKubernetesActivities(clients);
  const served = deps.cluster;
  return {
    ...kubernetes,
    readInventory: async (...args: Parameters<typeof kubernetes.readInventory>) => {
      const inventory = await kubernetes.readInventory(...args);
      return served === undefined ? inventory : { ...inventory, servedCluster: served };
    },
    ...createSailActivities(clients),
    ...createIstioctlActivities({ clients, tools: deps.tools }),
    ...createHelmActivities(deps.tools),
    ...createProbeActivities(clients),
    ...createSlackActivities(deps.slack),
    ...createSailTagActivities(clients),
    ...createWorkloadActivities(clients),
    ...createRevisionUserActivities(clients),
    ...createToolCheckActivities(deps.tools),
    ...createPrometheusActivities(deps.prometheus),
    ...createTerraformActivities(deps.tools),
    ...createGitActivities(deps.git ?? gitConfigFromEnv()),
  };
}

export type Activities = ReturnType<typeof createActivities>;

export type { ToolsConfig } from './tools/config.js';
export type { SlackActivityConfig } from './slack/config.js';
export type { TestReport } from './probes/types.js';
export type { RolloutResult, WaitForRolloutInput } from './kubernetes/rollout.js';
export type { RestartInput, RestartResult } from './kubernetes/restart.js';
export type { LabelChange, NamespaceLabelsInput, DeploymentLabelsInput } from './kubernetes/labels.js';
export type { ProxyOnRevision } from './kubernetes/proxies.js';
export type { ReadInventoryInput } from './kubernetes/inventory.js';
export type {
  PatchSailInput,
  PatchSailResult,
  WaitSailReadyInput,
  SailReadiness,
  IstioRevisionSummary,
} from './sail/activities.js';
export type {
  IstioctlInstallInput,
  IstioctlRevisionInput,
  IstioctlTagInput,
  ToolChange,
} from './istioctl/activities.js';
export type { ProxyStatusRow } from './istioctl/proxy-status.js';
export type { PrecheckReport, PrecheckFinding } from './istioctl/precheck.js';
export type { HelmReleaseInput, HelmChange } from './helm/activities.js';
export type {
  TerraformApplyInput,
  TerraformApplyResult,
  TerraformPlanInput,
  TerraformPlanResult,
} from './terraform/activities.js';
export type { RunWorkloadTestInput } from './probes/workload-test.js';
export type { WaitHeartbeat } from './kubernetes/watch-until.js';
export type { RolloutWorkloadInput, RolloutWorkloadResult } from './workloads/rollout-workload.js';
export type { CheckProxiesInput, ProxyCheck, RevisionUsers } from './kubernetes/revision-users.js';
export type { SailTagTarget } from './sail/revision-tag.js';
export type { GitAccess, GitChange, GitProposeInput, GitRepositoryInput, GitRevertInput } from './git/activities.js';
export type {
  AnalysisQuery,
  MeasureInput,
  MeasureResult,
  MeasuredValue,
  ReadBaselinesInput,
  ValidateQueriesInput,
} from './prometheus/activities.js';
