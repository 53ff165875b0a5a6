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
  | 'restartWorkload'
  | 'rolloutWorkload'
  | 'runWorkloadTest'
  | 'checkProxies'
  | 'revisionUsers'
  | 'setNamespaceLabels'
  | 'setPodTemplateLabels'
  | 'reviewAccess';

export type StubActivities = Pick<Activities, StubbedNames>;

export interface StubOptions {
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

  readonly activities: StubActivities = {
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
      this.record(`istioctlInstall ${input.revision} ${input.version}${input.profile ? ` ${input.profile}` : ''}`);
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
