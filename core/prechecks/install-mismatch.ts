/**
 * Catches a spec that disagrees with the cluster on the installer (istioctl, Helm, Sail), on
 * Sail's update strategy or on ambient mode: the plan's steps follow the spec, so they would act
 * on an install that is not there.
 */
import type { Finding } from './finding.js';
import type { Precheck } from './precheck.js';

/** The spec describes the install; when the cluster says otherwise, every step would use the wrong tool. */
export const installMismatch: Precheck = {
  id: 'install-mismatch',
  title: 'Spec install method, Sail update strategy or data-plane mode differ from the cluster',
  run(input) {
    const { spec, inventory } = input.context;
    const findings: Finding[] = [];
    const installer = inventory.controlPlane.installer;
    if (installer !== 'unknown' && installer !== spec.install.method) {
      findings.push({
        check: 'install-mismatch',
        severity: 'block',
        message: `The spec says install.method ${spec.install.method} but Istio looks installed with ${installer}`,
        evidence: [`control plane in ${inventory.controlPlane.namespace}: installer ${installer}`],
        remedy: `Set install.method: ${installer}, or fix the detection if the cluster is really managed with ${spec.install.method}`,
      });
    }
    const istio = inventory.sail?.istio;
    if (spec.install.method === 'sail' && istio) {
      const wanted = spec.install.strategy === 'revision' ? 'RevisionBased' : 'InPlace';
      if (istio.updateStrategy !== wanted) {
        findings.push({
          check: 'install-mismatch',
          severity: 'block',
          message: `The spec says strategy ${spec.install.strategy} but Istio ${istio.name} has updateStrategy ${istio.updateStrategy}`,
          evidence: [`Istio/${istio.name} spec.updateStrategy.type=${istio.updateStrategy}`],
          remedy: `Set install.strategy to match, or change spec.updateStrategy.type of Istio ${istio.name} to ${wanted} first`,
        });
      }
    }
    if (spec.install.method === 'sail' && !istio) {
      findings.push({
        check: 'install-mismatch',
        severity: 'block',
        message: 'The spec says install.method sail but no Sail Istio resource exists',
        evidence: ['sailoperator.io/v1 Istio: none'],
        remedy: 'Install with Sail first, or set install.method to how Istio was installed',
      });
    }
    if (spec.install.mode === 'ambient' && inventory.ztunnel === null) {
      findings.push({
        check: 'install-mismatch',
        severity: 'block',
        message: 'The spec says mode ambient but no ztunnel DaemonSet runs',
        evidence: ['DaemonSet ztunnel: none'],
        remedy: 'Set install.mode: sidecar, or install ambient first',
      });
    }
    return findings;
  },
};
