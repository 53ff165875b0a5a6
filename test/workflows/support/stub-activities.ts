/**
 * Stub activities for logic tests of the upgrade workflows: every activity the workflows call,
 * answering plausibly at once and recording each call in order as one short line
 * ("helmUpgradeInstall istiod istio/istiod 1.28.0"), so a test reads the runbook the workflow
 * walked. The real activities are covered by their own tests and by the end-to-end tests.
 */
import type {
  Activities,
  CheckProxiesInput,
  HelmReleaseInput,
  IstioRevisionSummary,
  PrecheckReport,
  RevisionUsers,
  RolloutWorkloadInput,
  RolloutWorkloadResult,
  TestReport,
} from '../../../activities/index.js';
import type { Inventory } from '../../../core/inventory.js';
import type { ReadRolloutInput, RolloutReading } from '../../../activities/kubernetes/rollout.js';

type StubbedNames =
  | 'readInventory'
  | 'istioctlInstall'
  | 'istioctlPrecheck'
  | 'istioctlTagSet'
  | 'istioctlUninstallRevision'
  | 'helmUpgradeInstall'
  | 'helmUninstall'
  | 'patchSailResource'
  | 'waitSailReady'
  | 'listIstioRevisions'
  | 'setSailRevisionTag'
  | 'waitForRollout'
  | 'readRolloutProgress'
  | 'describeStuckRollout'
  | 'readSailProgress'
  | 'holdSailRevisions'
  | 'releaseSailRevisions'
  | 'restartWorkload'
  | 'rolloutWorkload'
  | 'runWorkloadTest'
  | 'checkProxies'
  | 'revisionUsers'
  | 'setNamespaceLabels'
  | 'setPodTemplateLabels'
  | 'reviewAccess'
  | 'checkTools'
  | 'verifyWorkloads'
  | 'helmVerifyReleases';

export type StubActivities = Pick<Activities, StubbedNames>;

export interface StubOptions {
  /**
   * A rollout as the workflow's n-th look at it finds it (the stall rule and the deadline); default:
   * rolled out at the first look. Only the look that finds it done is recorded, as `waitForRollout`.
   */
  rolloutReading?: (input: ReadRolloutInput, look: number) => RolloutReading | undefined;
  /** What describeStuckRollout answers; default: a line naming the workload. */
  stuck?: (input: { namespace: string; name: string; label: string }) => string;
  /** What readInventory answers, call by call; the last one answers every later call. */
  inventories: Inventory[];
  /** A workload's test report after its restart; default: passed. */
  rolloutTest?: (input: RolloutWorkloadInput, attempt: number) => TestReport | null;
  /** An ambient workload's test report; default: passed. */
  workloadTest?: (namespace: string, deployment: string, attempt: number) => TestReport;
  /** Who still uses a revision right before its removal; default: nobody. */
  revisionUsers?: (revision: string, attempt: number) => RevisionUsers;
  /** Sail's IstioRevisions, call by call; default: none left (Sail deleted the old one). */
  sailRevisions?: (attempt: number) => IstioRevisionSummary[];
  precheck?: PrecheckReport;
  /** Permissions (`verb group/resource`) the worker's identity is refused; default: none. */
  deniedPermissions?: string[];
  /** What an install produced instead of the step's version, by workload label ("istiod 1-28-0"); default: the step's. */
  installedVersions?: Record<string, string>;
}

export function passed(summary = 'GET / → 200'): TestReport {
  return { passed: true, summary, evidence: {}, durationMs: 12 };
}

export function failed(summary: string): TestReport {
  return { passed: false, summary, evidence: { status: 503 }, durationMs: 12 };
}

const labels = (change: { set?: Record<string, string>; remove?: string[] }) =>
  [
    ...Object.entries(change.set ?? {}).map(([key, value]) => `${key}=${value}`),
    ...(change.remove ?? []).map((key) => `-${key}`),
  ].join(' ');

/** Answers at once, but as a Promise, the way an activity does. */
const sync =
  <A extends unknown[], R>(fn: (...args: A) => R) =>
  (...args: A): Promise<R> =>
    Promise.resolve().then(() => fn(...args));

/** A recording fake: `calls` lists every call in the order the worker ran it. */
export class Recorder {
  readonly calls: string[] = [];
  private readonly counts = new Map<string, number>();

  constructor(private readonly options: StubOptions) {}

  /** Calls whose line starts with one of `names`: the part of the runbook a test looks at. */
  only(...names: StubbedNames[]): string[] {
    return this.calls.filter((call) => names.some((name) => call === name || call.startsWith(`${name} `)));
  }

  private record(line: string): number {
    this.calls.push(line);
    const count = (this.counts.get(line) ?? 0) + 1;
    this.counts.set(line, count);
    return count;
  }

  private rollout(input: RolloutWorkloadInput): RolloutWorkloadResult {
    const attempt = this.record(
      `rolloutWorkload ${input.namespace}/${input.name} ${input.expectedVersion ?? '?'}@${input.expectedRevision ?? 'any'}`,
    );
    const test = input.test === null ? null : (this.options.rolloutTest?.(input, attempt) ?? passed());
    return {
      restarted: true,
      rollout: `deployment "${input.name}" successfully rolled out`,
      wrongProxies: [],
      pods: 1,
      test,
    };
  }

  private helm(input: HelmReleaseInput) {
    this.record(`helmUpgradeInstall ${input.release} ${input.chart} ${input.version}`);
    return { changed: true, revision: 2 };
  }

  private proxies(input: CheckProxiesInput) {
    this.record(`checkProxies ${input.version}@${input.revision ?? 'any'}`);
    return { checked: input.namespaces.length * 4 + input.gateways.length, wrong: [], wrongCount: 0 };
  }

  /**
   * What the worker asked the cluster it may do, one line per permission. Kept apart from
   * `calls`: the permission review is the start's precheck, not a step of the runbook.
   */
  readonly reviewed: string[] = [];

  /**
   * What the workflow read back after each install step, one line per workload or release.
   * Kept apart from `calls`: the checks follow their step, the runbook's order is in `calls`.
   */
  readonly verified: string[] = [];

  readonly activities: StubActivities = {
    verifyWorkloads: sync((input) => {
      const checked: string[] = [];
      const wrong: string[] = [];
      for (const workload of input.workloads) {
        const runs = this.options.installedVersions?.[workload.label] ?? input.version;
        this.verified.push(`${workload.kind} ${workload.label} ${input.version}`);
        (runs === input.version ? checked : wrong).push(
          runs === input.version
            ? `${workload.label} ${runs}`
            : `${workload.label} runs ${runs}, expected ${input.version}`,
        );
      }
      return { checked, wrong };
    }),
    helmVerifyReleases: sync((input) => {
      for (const { release } of input.releases) this.verified.push(`release ${release} ${input.version}`);
      return { checked: input.releases.map((r) => `Helm release ${r.release} deployed`), wrong: [] };
    }),
    // Every tool the plan needs is present at its version: the tools check is tested end to end.
    checkTools: sync((input) => ({
      where: "the worker's tools",
      istioctl: input.needs.istioctl.map((need) => ({
        version: need.version,
        path: `/stub/istioctl-${need.version}`,
        reports: need.version,
        tried: [],
        error: null,
      })),
      helm: input.needs.charts.length === 0 ? null : '/stub/helm',
      charts: input.needs.charts.map((need) => ({
        chart: need.chart,
        version: need.version,
        found: true,
        detail: null,
      })),
    })),
    reviewAccess: sync((input) =>
      input.permissions.map((permission) => {
        const line = `${permission.verb} ${permission.group === '' ? '' : `${permission.group}/`}${permission.resource}`;
        this.reviewed.push(line);
        const allowed = !(this.options.deniedPermissions ?? []).includes(line);
        return { permission, allowed, reason: allowed ? 'stub: allowed' : null };
      }),
    ),
    readInventory: sync(() => {
      this.record('readInventory');
      const { inventories } = this.options;
      const answer = inventories[Math.min(this.counts.get('readInventory') ?? 1, inventories.length) - 1];
      if (answer === undefined) throw new Error('the stub was given no inventory');
      return structuredClone(answer);
    }),
    istioctlInstall: sync((input) => {
      // Node agents switched off show as `-cni`/`-ztunnel`: which install rolls which node agent is the runbook's order.
      const off = Object.entries(input.components ?? {}).flatMap(([name, on]) => (on ? [] : [` -${name}`]));
      this.record(
        `istioctlInstall ${input.revision} ${input.version}${input.profile ? ` ${input.profile}` : ''}${off.join('')}`,
      );
      return { changed: true, command: 'istioctl install' };
    }),
    istioctlPrecheck: sync((input) => {
      this.record(`istioctlPrecheck ${input.version}`);
      return this.options.precheck ?? { passed: true, findings: [] };
    }),
    istioctlTagSet: sync((input) => {
      this.record(`istioctlTagSet ${input.tag}→${input.revision}`);
      return { changed: true, command: 'istioctl tag set' };
    }),
    istioctlUninstallRevision: sync((input) => {
      this.record(`istioctlUninstallRevision ${input.revision}`);
      return { changed: true, command: 'istioctl uninstall' };
    }),
    helmUpgradeInstall: sync((input) => this.helm(input)),
    helmUninstall: sync((input) => {
      this.record(`helmUninstall ${input.release}`);
      return { changed: true, revision: null };
    }),
    patchSailResource: sync((input) => {
      this.record(`patchSailResource ${input.kind} ${input.version}`);
      return { changed: true, generation: 3 };
    }),
    waitSailReady: sync((input) => {
      this.record(`waitSailReady ${input.kind}`);
      return { ready: true, state: 'Healthy', pending: [] };
    }),
    listIstioRevisions: sync(() => {
      const attempt = this.record('listIstioRevisions');
      return this.options.sailRevisions?.(attempt) ?? [];
    }),
    setSailRevisionTag: sync((input) => {
      this.record(`setSailRevisionTag ${input.name}→${input.targetRef.kind} ${input.targetRef.name}`);
      return { changed: true };
    }),
    waitForRollout: sync((input) => {
      this.record(`waitForRollout ${input.kind} ${input.namespace}/${input.name}`);
      return {
        message: `${input.kind.toLowerCase()} "${input.name}" successfully rolled out`,
        progress: { desired: 3, updated: 3, available: 3 },
        watches: 1,
      };
    }),
    readRolloutProgress: sync((input) => {
      const key = `look ${input.kind} ${input.namespace}/${input.name}`;
      const look = (this.counts.get(key) ?? 0) + 1;
      this.counts.set(key, look);
      const reading = this.options.rolloutReading?.(input, look) ?? {
        state: 'done',
        message: `${input.kind.toLowerCase()} "${input.name}" successfully rolled out`,
        progress: { desired: 3, updated: 3, available: 3 },
        fingerprint: 'done',
      };
      if (reading.state === 'done') {
        this.counts.delete(key);
        this.record(`waitForRollout ${input.kind} ${input.namespace}/${input.name}`);
      }
      return reading;
    }),
    describeStuckRollout: sync((input) => {
      this.record(`describeStuckRollout ${input.namespace}/${input.name}`);
      return { message: this.options.stuck?.(input) ?? `${input.label}: stuck`, pods: [] };
    }),
    readSailProgress: sync((input) => {
      this.record(`waitSailReady ${input.kind}`);
      return { state: 'done' as const, message: 'ready (Healthy)', fingerprint: 'ready' };
    }),
    holdSailRevisions: sync((input) => {
      this.record(`holdSailRevisions ${input.name} ${input.graceSeconds}`);
      return { changed: true, original: 30, held: input.graceSeconds };
    }),
    releaseSailRevisions: sync((input) => {
      this.record(`releaseSailRevisions ${input.name}`);
      return { changed: true, restored: 30 };
    }),
    restartWorkload: sync((input) => {
      this.record(`restartWorkload ${input.namespace}/${input.name}`);
      return { changed: true, generation: 7 };
    }),
    rolloutWorkload: sync((input) => this.rollout(input)),
    runWorkloadTest: sync((input) => {
      const attempt = this.record(`runWorkloadTest ${input.namespace}/${input.deployment}`);
      return this.options.workloadTest?.(input.namespace, input.deployment, attempt) ?? passed();
    }),
    checkProxies: sync((input) => this.proxies(input)),
    revisionUsers: sync((input) => {
      const attempt = this.record(`revisionUsers ${input.revision}`);
      return this.options.revisionUsers?.(input.revision, attempt) ?? { users: [], count: 0 };
    }),
    setNamespaceLabels: sync((input) => {
      this.record(`setNamespaceLabels ${input.namespace} ${labels(input)}`);
      return { changed: true, labels: input.set ?? {} };
    }),
    setPodTemplateLabels: sync((input) => {
      this.record(`setPodTemplateLabels ${input.namespace}/${input.deployment} ${labels(input)}`);
      return { changed: true, labels: input.set ?? {} };
    }),
  };
}
