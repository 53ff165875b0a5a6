/**
 * `istioctl x precheck`: what the real one checks that the sim can express — workloads whose
 * UID 1337 collides with the proxy's (IST0144). Like the real tool it does not know about the
 * upgrade-note hazards (native sidecars, removed tracing providers); the project's own
 * prechecks cover those. `--revision` narrows the data plane check to that revision's proxies.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { REVISION, type Command } from '../command.js';
import { proxiesIn, revisionTags } from '../../istio/cluster.js';
import { minorOf } from '../../istio/tool-version.js';

const PROXY_UID = 1337;

function usesProxyUid(pod: V1Pod): boolean {
  if (pod.spec?.securityContext?.runAsUser === PROXY_UID) return true;
  return (pod.spec?.containers ?? []).some(
    (c) => c.name !== 'istio-proxy' && c.securityContext?.runAsUser === PROXY_UID,
  );
}

export const precheckCommand: Command = {
  path: ['x', 'precheck'],
  aliases: [['experimental', 'precheck']],
  summary: 'Check whether Istio can safely be installed or upgraded',
  flags: [REVISION, { name: 'output', short: 'o', kind: 'string', help: 'Output format: log' }],
  run: async (ctx, flags) => {
    const kube = ctx.kube();
    const revision = flags.string('revision');
    const [pods, tags] = await Promise.all([kube.core.listPodForAllNamespaces(), revisionTags(kube)]);
    const meshed = proxiesIn(pods.items, tags).filter(
      (p) => p.kind === 'sidecar' && (revision === undefined || p.revision === (tags.get(revision) ?? revision)),
    );
    const findings = meshed
      .filter((p) => usesProxyUid(p.pod))
      .map(
        (p) =>
          `Warning [IST0144] (Pod ${p.namespace}/${p.name}) User ID (UID) ${PROXY_UID} is reserved for the sidecar proxy.`,
      );
    if (findings.length === 0) {
      process.stdout.write('✔ No issues found when checking the cluster. Istio is safe to install or upgrade!\n');
      process.stdout.write('  To get started, check out https://istio.io/latest/docs/setup/getting-started/.\n');
      return;
    }
    process.stdout.write(`${findings.join('\n')}\n`);
    process.stdout.write(
      'Error: Issues found when checking the cluster. Istio may not be safe to install or upgrade.\n',
    );
    process.stdout.write(
      `See https://istio.io/v1.${minorOf(ctx.version)}/docs/reference/config/analysis for more information about causes and resolutions.\n`,
    );
  },
};
