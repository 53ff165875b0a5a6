/**
 * istioctl adapters. Each checks the cluster before it acts, so an attempt that crashed after
 * the tool succeeded does not run it again, and checks it again after, so a tool that stopped
 * half-way does not count as done: an install is done when every object it renders is in place
 * at the target version, an uninstall when nothing labelled for the revision is left, a tag
 * when its webhooks point at the revision. Every call names the worker's kubeconfig and context.
 */
import { ApplicationFailure } from '@temporalio/common';
import { activityFailure } from '../failure.js';
import { read } from '../kubernetes/call.js';
import type { KubeClients } from '../kubernetes/clients.js';
import { clusterArgs, type ToolsConfig } from '../tools/config.js';
import { verifiedIstioctl } from '../tools/check.js';
import { describeCommand, runTool, type RunOptions, type RunResult } from '../tools/run.js';
import { istioOperator, withOperatorFile, type NodeAgentComponent } from './operator-file.js';
import { notInPlace, ownedByRevision, parseManifest } from './owned-objects.js';
import { parsePrecheck, type PrecheckReport } from './precheck.js';
import { parseProxyStatus, type ProxyStatusRow } from './proxy-status.js';

export interface IstioctlInstallInput {
  /** The Istio version to install; picks the istioctl binary too. */
  version: string;
  /** `default` for an unrevisioned (in-place) install. */
  revision: string;
  namespace?: string;
  profile?: string;
  /** IstioOperator paths and values, e.g. `values.pilot.env.ENABLE_NATIVE_SIDECARS: "false"`; passed in a file, never on the command line. */
  set?: Record<string, string>;
  /** istio-cni and ztunnel switched on or off over the profile (`components.<name>.enabled`). */
  components?: Partial<Record<NodeAgentComponent, boolean>>;
  /**
   * false: the install is done once every object it renders is applied as rendered; the caller
   * watches the rollout itself. istioctl then waits only NODE_AGENT_READINESS_TIMEOUT: its own
   * wait on a node agent says only "not ready" after minutes, where the workflow's stall rule
   * names the stuck node and pod. Default true: done when everything also rolled out.
   */
  waitReady?: boolean;
}

/** How long istioctl waits for readiness when the workflow watches the rollout itself. */
export const NODE_AGENT_READINESS_TIMEOUT = '5s';

export interface IstioctlRevisionInput {
  /** The istioctl to use (usually the newest). */
  version: string;
  revision: string;
  namespace?: string;
}

export interface IstioctlTagInput {
  version: string;
  tag: string;
  revision: string;
}

export interface ToolChange {
  /** False when the cluster already was as wanted and the tool did not run. */
  changed: boolean;
  /** The command as run, redacted; install settings appear only as the file that carried them. */
  command: string | null;
}

export interface IstioctlDeps {
  clients: KubeClients;
  tools: ToolsConfig;
}

/** "1.28.0" and "1.28" match "1.28.0"; the tag's `-distroless` suffix is already gone. */
export function sameVersion(running: string | null, wanted: string): boolean {
  if (running === null) return false;
  const want = wanted.replace(/^v/, '');
  return running === want || (want.split('.').length === 2 && running.startsWith(`${want}.`));
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function validName(field: string, value: unknown): string {
  if (typeof value !== 'string' || !DNS_LABEL.test(value) || value.length > 63) {
    throw activityFailure('Validation', `istioctl: ${field}: expected a DNS label, got ${JSON.stringify(value)}`, {
      details: { field },
    });
  }
  return value;
}

/** The operator file's temporary path is not worth keeping in history: it is gone after the call. */
const OPERATOR_FILE = 'istio-operator.yaml';

export function createIstioctlActivities({ clients, tools }: IstioctlDeps) {
  // The binary must report the version it acts for: `istioctl-1.28` may be any 1.28 patch.
  const binaryFor = verifiedIstioctl(tools);
  const istioctl = async (version: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> =>
    runTool(await binaryFor(version), [...args, ...clusterArgs('istioctl', tools)], tools, options);
  const recorded = (args: readonly string[], file: string) =>
    describeCommand('istioctl', [
      ...args.map((a) => (a === file ? OPERATOR_FILE : a)),
      ...clusterArgs('istioctl', tools),
    ]);

  return {
    istioctlInstall: async (input: IstioctlInstallInput): Promise<ToolChange> => {
      const revision = input.revision === 'default' ? 'default' : validName('revision', input.revision);
      const namespace = validName('namespace', input.namespace ?? 'istio-system');
      const waitReady = input.waitReady ?? true;
      const operator = istioOperator({
        namespace,
        ...(input.profile === undefined ? {} : { profile: input.profile }),
        ...(input.set === undefined ? {} : { set: input.set }),
        ...(input.components === undefined ? {} : { components: input.components }),
      });
      return withOperatorFile(operator, async (file) => {
        const settings = [...(revision === 'default' ? [] : ['--revision', revision]), '-f', file];
        const owned = async () =>
          notInPlace(
            clients,
            parseManifest((await istioctl(input.version, ['manifest', 'generate', ...settings])).stdout),
            { rollout: waitReady },
          );
        if ((await owned()).length === 0) return { changed: false, command: null };
        const args = [
          'install',
          '-y',
          ...settings,
          ...(waitReady ? [] : ['--readiness-timeout', NODE_AGENT_READINESS_TIMEOUT]),
        ];
        let notReady: ApplicationFailure | null = null;
        try {
          await istioctl(input.version, args);
        } catch (error) {
          // A rollout still under way fails istioctl's short wait; what was applied decides below.
          if (waitReady || !(error instanceof ApplicationFailure) || error.type !== 'CommandFailed') throw error;
          notReady = error;
        }
        const left = await owned();
        if (left.length > 0) {
          if (notReady !== null) throw notReady;
          // Retryable: a second install converges what the first left, and the check runs again.
          throw activityFailure(
            'Unavailable',
            `istioctl install of ${revision} finished but ${left.length} objects are not in place: ${left.slice(0, 5).join('; ')}`,
            {
              details: { notInPlace: left.slice(0, 20) },
            },
          );
        }
        return { changed: true, command: recorded(args, file) };
      });
    },

    istioctlUninstallRevision: async (input: IstioctlRevisionInput): Promise<ToolChange> => {
      const revision = input.revision === 'default' ? 'default' : validName('revision', input.revision);
      const namespace = validName('namespace', input.namespace ?? 'istio-system');
      if ((await ownedByRevision(clients, namespace, revision)).length === 0) return { changed: false, command: null };
      const args = [
        'uninstall',
        '-y',
        '--revision',
        revision,
        ...(namespace === 'istio-system' ? [] : ['--istioNamespace', namespace]),
      ];
      await istioctl(input.version, args);
      const left = await ownedByRevision(clients, namespace, revision);
      if (left.length > 0) {
        throw activityFailure('Unavailable', `istioctl uninstall of ${revision} finished but left ${left.join(', ')}`, {
          details: { left: left.slice(0, 20) },
        });
      }
      return { changed: true, command: describeCommand('istioctl', [...args, ...clusterArgs('istioctl', tools)]) };
    },

    istioctlTagSet: async (input: IstioctlTagInput): Promise<ToolChange> => {
      const tag = validName('tag', input.tag);
      const revision = input.revision === 'default' ? 'default' : validName('revision', input.revision);
      const webhooks = await read(`list tag webhooks for ${tag}`, () =>
        clients.admission.listMutatingWebhookConfiguration({ labelSelector: `istio.io/tag=${tag}` }),
      );
      if (webhooks.items.length > 0 && webhooks.items.every((w) => w.metadata?.labels?.['istio.io/rev'] === revision)) {
        return { changed: false, command: null };
      }
      const args = ['tag', 'set', tag, '--revision', revision, '--overwrite', '-y'];
      await istioctl(input.version, args);
      return { changed: true, command: describeCommand('istioctl', [...args, ...clusterArgs('istioctl', tools)]) };
    },

    /** Proxies and the istiod each is connected to; a read, so it can run any time. */
    istioctlProxyStatus: async (input: { version: string; revision?: string }): Promise<ProxyStatusRow[]> => {
      const args = ['proxy-status', ...(input.revision === undefined ? [] : ['--revision', input.revision])];
      return parseProxyStatus((await istioctl(input.version, args)).stdout);
    },

    /**
     * `istioctl x precheck` with the target version's istioctl. Findings are an answer for the
     * workflow (and its gate), not a failure: only a precheck that could not run throws.
     */
    istioctlPrecheck: async (input: { version: string; revision?: string }): Promise<PrecheckReport> => {
      const args = ['x', 'precheck', ...(input.revision === undefined ? [] : ['--revision', input.revision])];
      // Some releases exit 1 when they found issues; that is still an answer if findings were printed.
      const result = await istioctl(input.version, args, { okExitCodes: [1] });
      const report = parsePrecheck(`${result.stdout}\n${result.stderr}`);
      if (result.exitCode !== 0 && report.findings.length === 0) {
        throw activityFailure('CommandFailed', `istioctl ${args.join(' ')}: exit ${result.exitCode} without findings`, {
          details: { exitCode: result.exitCode },
        });
      }
      return report;
    },
  };
}
