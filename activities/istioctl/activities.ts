/**
 * istioctl adapters. Each checks the cluster before it acts, so an attempt that crashed after
 * the tool succeeded does not run it again: installing a revision that already runs the target
 * version, uninstalling one that is gone, or setting a tag that already points there are no-ops.
 */
import { ApplicationFailure } from '@temporalio/common';
import { failure } from '../failure.js';
import { read } from '../kubernetes/call.js';
import type { KubeClients } from '../kubernetes/clients.js';
import { versionFromImage } from '../kubernetes/images.js';
import type { ToolsConfig } from '../tools/config.js';
import { resolveTool } from '../tools/resolve.js';
import { runTool } from '../tools/run.js';
import { parsePrecheck, type PrecheckReport } from './precheck.js';
import { parseProxyStatus, type ProxyStatusRow } from './proxy-status.js';

export interface IstioctlInstallInput {
  /** The Istio version to install; picks the istioctl binary too. */
  version: string;
  /** `default` for an unrevisioned (in-place) install. */
  revision: string;
  namespace?: string;
  profile?: string;
  /** `--set key=value` pairs, e.g. `values.pilot.env.ENABLE_NATIVE_SIDECARS: "false"`. */
  set?: Record<string, string>;
}

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
  command: string | null;
}

export interface IstioctlDeps {
  clients: KubeClients;
  tools: ToolsConfig;
}

const istiodName = (revision: string) => (revision === 'default' ? 'istiod' : `istiod-${revision}`);

/** "1.28.0" and "1.28" match "1.28.0"; the tag's `-distroless` suffix is already gone. */
export function sameVersion(running: string | null, wanted: string): boolean {
  if (running === null) return false;
  const want = wanted.replace(/^v/, '');
  return running === want || (want.split('.').length === 2 && running.startsWith(`${want}.`));
}

export function createIstioctlActivities({ clients, tools }: IstioctlDeps) {
  async function istiodVersion(namespace: string, revision: string): Promise<string | null> {
    try {
      const d = await read(`read deployment ${namespace}/${istiodName(revision)}`, () =>
        clients.apps.readNamespacedDeployment({ namespace, name: istiodName(revision) }),
      );
      const containers = d.spec?.template.spec?.containers ?? [];
      return versionFromImage((containers.find((c) => c.name === 'discovery') ?? containers[0])?.image) ?? 'unknown';
    } catch (err) {
      if (err instanceof ApplicationFailure && err.type === 'NotFound') return null;
      throw err;
    }
  }

  const run = async (version: string, args: string[]) => {
    const binary = resolveTool('istioctl', version, tools);
    await runTool(binary, args, tools);
    return ['istioctl', ...args].join(' ');
  };

  return {
    istioctlInstall: async (input: IstioctlInstallInput): Promise<ToolChange> => {
      const namespace = input.namespace ?? 'istio-system';
      if (sameVersion(await istiodVersion(namespace, input.revision), input.version)) return { changed: false, command: null };
      const args = ['install', '-y'];
      if (input.revision !== 'default') args.push('--revision', input.revision);
      if (namespace !== 'istio-system') args.push('--set', `values.global.istioNamespace=${namespace}`);
      if (input.profile !== undefined) args.push('--set', `profile=${input.profile}`);
      for (const [key, value] of Object.entries(input.set ?? {})) args.push('--set', `${key}=${value}`);
      return { changed: true, command: await run(input.version, args) };
    },

    istioctlUninstallRevision: async (input: IstioctlRevisionInput): Promise<ToolChange> => {
      const namespace = input.namespace ?? 'istio-system';
      if ((await istiodVersion(namespace, input.revision)) === null) return { changed: false, command: null };
      const args = ['uninstall', '-y', '--revision', input.revision];
      if (namespace !== 'istio-system') args.push('--istioNamespace', namespace);
      return { changed: true, command: await run(input.version, args) };
    },

    istioctlTagSet: async (input: IstioctlTagInput): Promise<ToolChange> => {
      const webhooks = await read(`list tag webhooks for ${input.tag}`, () =>
        clients.admission.listMutatingWebhookConfiguration({ labelSelector: `istio.io/tag=${input.tag}` }),
      );
      if (webhooks.items.length > 0 && webhooks.items.every((w) => w.metadata?.labels?.['istio.io/rev'] === input.revision)) {
        return { changed: false, command: null };
      }
      return { changed: true, command: await run(input.version, ['tag', 'set', input.tag, '--revision', input.revision, '--overwrite', '-y']) };
    },

    /** Proxies and the istiod each is connected to; a read, so it can run any time. */
    istioctlProxyStatus: async (input: { version: string; revision?: string }): Promise<ProxyStatusRow[]> => {
      const binary = resolveTool('istioctl', input.version, tools);
      const args = ['proxy-status', ...(input.revision === undefined ? [] : ['--revision', input.revision])];
      return parseProxyStatus((await runTool(binary, args, tools)).stdout);
    },

    /**
     * `istioctl x precheck` with the target version's istioctl. Findings are an answer for the
     * workflow (and its gate), not a failure: only a precheck that could not run throws.
     */
    istioctlPrecheck: async (input: { version: string; revision?: string }): Promise<PrecheckReport> => {
      const binary = resolveTool('istioctl', input.version, tools);
      const args = ['x', 'precheck', ...(input.revision === undefined ? [] : ['--revision', input.revision])];
      // Some releases exit 1 when they found issues; that is still an answer if findings were printed.
      const result = await runTool(binary, args, tools, { okExitCodes: [1] });
      const report = parsePrecheck(`${result.stdout}\n${result.stderr}`);
      if (result.exitCode !== 0 && report.findings.length === 0) {
        throw failure('CommandFailed', `istioctl ${args.join(' ')}: exit ${result.exitCode} without findings`, { details: { exitCode: result.exitCode } });
      }
      return report;
    },
  };
}
