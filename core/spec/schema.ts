/**
 * The upgrade spec: what the operator writes (YAML, parsed by the client) and what the planner
 * and workflows read. Every object is strict so a typo is an error rather than a silently
 * ignored setting, and every default is the safe choice: gates on, a gate that times out is a
 * rejection, the initiator cannot approve their own gate, one restart at a time.
 *
 * Durations are written `90s`, `10m`, `24h`, `1h30m`, `2d` and come out as seconds.
 */
import { z } from 'zod';
import { formatDuration, parseDuration } from './duration.js';
import { tryParseVersion } from '../version.js';
import { analysisSchema } from '../analysis/spec.js';

const version = z
  .string({ error: 'expected a version like "1.27.3"' })
  .refine((text) => tryParseVersion(text) !== null, { error: 'expected a version like "1.27.3" or "v1.27.3"' })
  .transform((text) => text.trim().replace(/^v/, ''));

const duration = z
  .string({ error: 'expected a duration like "24h"' })
  .refine((text) => parseDuration(text) !== null, { error: 'expected a duration like "24h", "10m" or "1h30m"' })
  .transform((text) => parseDuration(text) ?? 0);

const positiveDuration = duration.refine((seconds) => seconds > 0, { error: 'expected a duration longer than 0s' });

const name = z.string({ error: 'expected a name' }).regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
  error: 'expected a Kubernetes name (lowercase letters, digits and "-")',
});
const workloadRef = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, {
  error: 'expected "namespace/deployment"',
});
const seconds = z.number({ error: 'expected a number of seconds' }).int().positive();

/** Who applies an install's Helm releases (`install.owner`). */
export const OWNERS = ['helm', 'terraform', 'gitops'] as const;
export type Owner = (typeof OWNERS)[number];

const terraformOwner = z.strictObject({
  /** The root module that owns the releases; the runbook reads it and never edits its files. */
  workingDirectory: z.string({ error: 'expected a directory' }).min(1, { error: 'expected a directory' }),
  /** The module's variable holding the Istio version, given with `-var` per hop. */
  versionVariable: z
    .string({ error: 'expected a variable name' })
    .regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, { error: 'expected a Terraform variable name like "istio_version"' })
    .default('istio_version'),
});

/**
 * `https://user:token@host/…` or `https://token@host/…`: the spec reaches workflow history, so a
 * repository never carries credentials; `ssh://git@host/…` and `git@host:…` name a user only.
 */
export function repositoryHoldsCredentials(repository: string): boolean {
  const userinfo = /^([a-z][a-z0-9+.-]*):\/\/([^/@\s]*)@/i.exec(repository);
  if (userinfo === null) return false;
  return (userinfo[2] ?? '').includes(':') || /^https?$/i.test(userinfo[1] ?? '');
}

export const REPOSITORY_CREDENTIALS =
  "holds credentials, which would be stored in the upgrade's history: leave them to the worker's git credential helper or SSH key";

const gitopsOwner = z.strictObject({
  /** Any URL or path `git clone` and `git push` accept with the worker's own git credentials. */
  repository: z
    .string({ error: 'expected a repository' })
    .min(1, { error: 'expected a repository' })
    .refine((repository) => !repositoryHoldsCredentials(repository), { error: REPOSITORY_CREDENTIALS }),
  /** The branch each hop's change is committed to, for the team to merge by their usual review. */
  branch: z.string({ error: 'expected a branch' }).regex(/^(?!-)(?!.*\.\.)[A-Za-z0-9._/-]+$/, {
    error: 'expected a branch name like "istio-upgrade/prod"',
  }),
  /** The branch the owner (Argo CD, Flux) syncs from; the change branch starts from it. */
  baseBranch: z
    .string()
    .regex(/^(?!-)(?!.*\.\.)[A-Za-z0-9._/-]+$/, { error: 'expected a branch name' })
    .default('main'),
  /**
   * The files and fields that hold the chart version: a Flux HelmRelease's `spec.chart.spec.version`,
   * an Argo CD Application's `spec.source.targetRevision`, or a values file's own key.
   */
  files: z
    .array(
      z.strictObject({
        path: z
          .string()
          .min(1)
          .refine((path) => !path.startsWith('/') && !path.split('/').includes('..'), {
            error: 'expected a path inside the repository',
          }),
        field: z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, {
          error: 'expected a dotted field like "spec.chart.spec.version"',
        }),
      }),
    )
    .min(1, { error: 'expected at least one file holding the chart version' }),
  /** How long the cluster may take to reach a hop's version after its change is merged (the sync deadline). */
  syncTimeout: positiveDuration.default(1_800),
});

/** What a failed workload test or analysis does; see `onFailure` in the spec. */
export const FAILURE_ACTIONS = ['gate', 'revert', 'rollback'] as const;
export type FailureAction = (typeof FAILURE_ACTIONS)[number];
const failureAction = z.enum(FAILURE_ACTIONS, { error: 'expected gate, revert or rollback' });

const labelSelector = z.strictObject({
  matchLabels: z.record(z.string(), z.string()).optional(),
  matchExpressions: z
    .array(
      z.strictObject({
        key: z.string(),
        operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
        values: z.array(z.string()).optional(),
      }),
    )
    .optional(),
});

const httpTest = z.strictObject({
  url: z.url({ error: 'expected an http(s) URL' }),
  expectStatus: z.number().int().min(100).max(599).default(200),
  timeoutSeconds: seconds.default(30),
});
const commandTest = z.strictObject({
  argv: z.array(z.string()).min(1, { error: 'expected at least the program name' }),
  timeoutSeconds: seconds.default(60),
});
const jobTest = z.strictObject({
  image: z.string().min(1),
  command: z.array(z.string()).min(1, { error: 'expected at least the program name' }),
  /** Where the Job runs; defaults to the namespace of the workload under test. */
  namespace: name.optional(),
  timeoutSeconds: seconds.default(300),
});

/** Exactly one of `http`, `command` or `job`. */
export const workloadTestSchema = z
  .strictObject({ http: httpTest.optional(), command: commandTest.optional(), job: jobTest.optional() })
  .refine((test) => [test.http, test.command, test.job].filter((kind) => kind !== undefined).length === 1, {
    error: 'expected exactly one of http, command or job',
  });

export const specSchema = z
  .strictObject({
    cluster: z
      .strictObject({
        /** kubeconfig context; the CLI's `--context` overrides it. */
        context: z.string().min(1).max(253, { error: 'expected at most 253 characters' }).optional(),
        /** A name for status, search attributes and Slack; defaults to the context. Bounded: a search attribute value may not exceed 2 KB. */
        name: z.string().min(1).max(253, { error: 'expected at most 253 characters' }).optional(),
      })
      .prefault({}),
    install: z.strictObject({
      method: z.enum(['istioctl', 'helm', 'sail'], { error: 'expected one of istioctl, helm, sail' }),
      mode: z.enum(['sidecar', 'ambient'], { error: 'expected sidecar or ambient' }),
      strategy: z.enum(['in-place', 'revision'], { error: 'expected in-place or revision' }),
      /** Where istiod runs. */
      namespace: name.default('istio-system'),
      /** Name of the Sail `Istio` resource (and prefix of its IstioRevisions). */
      sailIstioName: name.default('default'),
      /**
       * Who applies the Helm releases: `helm` (the runbook runs helm itself, as when absent), or an
       * owner that would otherwise put them back (GitOps) or drift (Terraform). With an owner the
       * runbook changes the owner, not the cluster, once per hop, then verifies and restarts as usual.
       */
      owner: z.enum(OWNERS, { error: 'expected one of helm, terraform, gitops' }).optional(),
      terraform: terraformOwner.optional(),
      gitops: gitopsOwner.optional(),
    }),
    version: z.strictObject({
      target: version,
      /** Detected from the cluster when omitted; when given, it must match what runs. */
      source: version.optional(),
      /** Patch to use per intermediate minor of an in-place upgrade, e.g. `{"1.26": "1.26.4"}`. */
      intermediate: z
        .record(z.string().regex(/^\d+\.\d+$/, { error: 'expected a minor like "1.26"' }), version)
        .default({}),
    }),
    scope: z
      .strictObject({
        /** Namespaces in the order they move; default: every namespace enrolled in the mesh. */
        namespaces: z.array(name).optional(),
        namespaceSelector: labelSelector.optional(),
        /** Deployments left alone (`namespace/name`); they block removal of the old revision. */
        exclude: z.array(workloadRef).default([]),
      })
      .refine((scope) => !(scope.namespaces && scope.namespaceSelector), {
        error: 'expected namespaces or namespaceSelector, not both',
      })
      .prefault({}),
    /** Tests keyed by `namespace/deployment` (that workload) or `namespace` (each workload in it). */
    tests: z
      .record(
        z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?)?$/, {
          error: 'expected "namespace" or "namespace/deployment" as the key',
        }),
        workloadTestSchema,
      )
      .default({}),
    restarts: z
      .strictObject({
        concurrency: z.number().int().min(1).max(50).default(1),
        /** Deployments restarted first, in this order; the rest follow by name. */
        order: z.array(workloadRef).default([]),
      })
      .prefault({}),
    gates: z
      .strictObject({
        beforeControlPlane: z.boolean().default(true),
        beforeGateways: z.boolean().default(true),
        /** Before ztunnel rolls node by node: the step with the widest blast radius in ambient mode. */
        beforeZtunnel: z.boolean().default(true),
        perNamespace: z.boolean().default(true),
        /** Before the default revision (tag `default`) moves to the new revision. */
        beforeDefaultTag: z.boolean().default(true),
        beforeRemovingOldRevision: z.boolean().default(true),
        /**
         * The older switch for what a failed test does: true waits for a human (gate), false rolls
         * back at once. `onFailure` says the same per namespace and can also revert; give one or
         * the other (both: they must agree). Unset: `onFailure.default`, else a gate.
         */
        onTestFailure: z.boolean().optional(),
        approvalTimeout: duration.default(86_400),
        /** What an unanswered gate means. Never an approval. */
        onTimeout: z
          .enum(['reject', 'fail'], { error: 'expected reject or fail (a timeout never approves)' })
          .default('reject'),
      })
      .prefault({}),
    /**
     * How long each kind of wait may last, and the stall rule shared by all of them: when nothing
     * progresses (updated, ready or available counts, observed generation, conditions) for `stall`,
     * the wait stops at a failure gate naming what is stuck instead of waiting out its deadline.
     */
    timeouts: z
      .strictObject({
        /** A Deployment rollout: istiod, a gateway, a waypoint. */
        rollout: positiveDuration.default(600),
        /** istio-cni or ztunnel, node by node: one slow node holds the whole DaemonSet. */
        nodeAgent: positiveDuration.default(1_800),
        /** A Sail resource (`Istio`, `IstioCNI`, `ZTunnel`) reporting Ready. */
        sail: positiveDuration.default(1_200),
        /** `helm upgrade --wait`. */
        helm: positiveDuration.default(600),
        stall: positiveDuration.default(300),
      })
      .superRefine((timeouts, ctx) => {
        const { stall, helm: _helm, ...deadlines } = timeouts;
        const [kind, shortest] = Object.entries(deadlines).sort(([, a], [, b]) => a - b)[0] ?? ['rollout', 0];
        // A deadline of 0s is refused on its own field; comparing with it would only repeat that.
        if (stall >= shortest && shortest > 0)
          ctx.addIssue({
            code: 'custom',
            path: ['stall'],
            message: `expected less than every wait's deadline (${kind} is ${formatDuration(shortest)}): a stall that long could never fire`,
          });
      })
      .prefault({}),
    timers: z
      .strictObject({
        soakAfterControlPlane: duration.default(600),
        graceBeforeRevisionRemoval: duration.default(3_600),
      })
      .prefault({}),
    approvals: z
      .strictObject({
        /**
         * Who may approve. Required while any gate is on: an empty list would let anyone who can
         * reach the workflow approve, and "anyone" is never a safe default.
         */
        approvers: z.array(z.string().min(1)).default([]),
        allowSelfApproval: z.boolean().default(false),
      })
      .prefault({}),
    /**
     * What a failed workload test (or analysis) does, namespace by namespace: `gate` waits for a
     * human (retry, skip, revert or roll back), `revert` puts that namespace (or a workload pinned
     * by its pod label) back on the old revision and the upgrade goes on, `rollback` undoes the
     * whole upgrade at once. `namespaces` overrides `default` for the namespaces it names.
     */
    onFailure: z
      .strictObject({
        default: failureAction.optional(),
        namespaces: z.record(name, failureAction).default({}),
      })
      .prefault({}),
    notifications: z
      .strictObject({
        slack: z
          .strictObject({ channel: z.string().regex(/^[#C]/, { error: 'expected a channel like "#mesh-upgrades"' }) })
          .optional(),
      })
      .prefault({}),
    /** Metric analysis from Prometheus (core/analysis/spec.ts); none when absent. */
    analysis: analysisSchema.optional(),
  })
  .superRefine((spec, ctx) => {
    const { approvalTimeout: _t, onTimeout: _o, onTestFailure, ...switches } = spec.gates;
    const { default: chosen, namespaces } = spec.onFailure;
    const older = onTestFailure === undefined ? undefined : onTestFailure ? 'gate' : 'rollback';
    if (older !== undefined && chosen !== undefined && older !== chosen)
      ctx.addIssue({
        code: 'custom',
        path: ['onFailure', 'default'],
        message: `${chosen} conflicts with gates.onTestFailure: ${String(onTestFailure)} (the older switch, meaning ${older}): remove gates.onTestFailure`,
      });
    if (spec.install.strategy === 'in-place') {
      // An in-place upgrade replaces the only istiod: there is no old revision to go back to.
      const reverts = [
        ...(chosen === 'revert' ? [['onFailure', 'default']] : []),
        ...Object.entries(namespaces)
          .filter(([, action]) => action === 'revert')
          .map(([namespace]) => ['onFailure', 'namespaces', namespace]),
      ];
      for (const path of reverts)
        ctx.addIssue({
          code: 'custom',
          path,
          message:
            'revert needs install.strategy revision: an in-place upgrade keeps no old revision to go back to (use gate or rollback)',
        });
    }
    ownerIssues(spec.install).forEach((issue) => ctx.addIssue({ code: 'custom', ...issue }));
    const fallback = chosen ?? older ?? 'gate';
    const failuresGate = fallback === 'gate' || Object.values(namespaces).includes('gate');
    if ((Object.values(switches).some(Boolean) || failuresGate) && spec.approvals.approvers.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['approvals', 'approvers'],
        message: 'expected at least one approver while any gate is on (or turn every gate off)',
      });
    }
  });

/** An owner needs its settings, the Helm method and an in-place strategy; settings without their owner are a mistake. */
function ownerIssues(install: {
  method: string;
  strategy: string;
  owner?: Owner | undefined;
  terraform?: unknown;
  gitops?: unknown;
}): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  const { owner } = install;
  if (owner !== undefined && install.method !== 'helm')
    issues.push({
      path: ['install', 'owner'],
      message: `${owner} owns Helm releases: expected install.method helm, not ${install.method}`,
    });
  if ((owner === 'terraform' || owner === 'gitops') && install.strategy !== 'in-place')
    issues.push({
      path: ['install', 'owner'],
      message: `an upgrade through ${owner} is in place, one hop per minor: a revision canary would need the owner to hold two istiod releases at once (expected install.strategy in-place)`,
    });
  for (const kind of ['terraform', 'gitops'] as const) {
    if (owner === kind && install[kind] === undefined)
      issues.push({ path: ['install', kind], message: `required when install.owner is ${kind}` });
    if (owner !== kind && install[kind] !== undefined)
      issues.push({ path: ['install', kind], message: `only read when install.owner is ${kind}` });
  }
  return issues;
}

export type Spec = z.output<typeof specSchema>;
export type SpecInput = z.input<typeof specSchema>;
export type WorkloadTest = z.output<typeof workloadTestSchema>;
export type InstallMethod = Spec['install']['method'];
export type DataPlaneMode = Spec['install']['mode'];
export type Strategy = Spec['install']['strategy'];

/**
 * What a failed workload test or analysis in `namespace` does: the namespace's own entry, else
 * `onFailure.default`, else the older `gates.onTestFailure` (false: rollback), else a gate.
 */
export function failureActionOf(spec: Spec, namespace: string): FailureAction {
  const older = spec.gates.onTestFailure === false ? 'rollback' : 'gate';
  return spec.onFailure.namespaces[namespace] ?? spec.onFailure.default ?? older;
}
