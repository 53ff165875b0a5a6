/**
 * What each install step must have produced before the next step starts: the workloads that
 * must run the step's version and be available, and for Helm the releases that must be
 * `deployed` at the step's chart version. A tool that exits 0 is not proof: a wrong istioctl
 * patch installs the wrong version silently, and a release can end `failed` behind a wait that
 * timed out. `plan` prints this; the workflow checks exactly this.
 */
import type { Inventory } from '../inventory.js';
import type { Step } from './steps.js';

export interface WorkloadCheck {
  kind: 'Deployment' | 'DaemonSet';
  namespace: string;
  /** Found by name, or (istiod of a revision, whose Deployment name differs by installer) by labels. */
  name: string | null;
  selector: Record<string, string> | null;
  /** "istiod 1-27-3", "ztunnel": how messages name it. */
  label: string;
}

export interface ReleaseCheck {
  release: string;
  namespace: string;
}

export interface Verification {
  version: string;
  workloads: WorkloadCheck[];
  releases: ReleaseCheck[];
}

/** Where the node agents run, when the inventory found them; else where their installer puts them. */
export interface NodeAgentLocations {
  cni: { namespace: string; name: string } | null;
  ztunnel: { namespace: string; name: string } | null;
}

/** The DaemonSet istioctl and the Helm charts install a node agent as. */
export const nodeAgentDaemonSet = (which: 'istio-cni' | 'ztunnel') =>
  which === 'istio-cni' ? 'istio-cni-node' : 'ztunnel';

export const istiodRelease = (revision: string) => (revision === 'default' ? 'istiod' : `istiod-${revision}`);

const istiod = (namespace: string, revision: string): WorkloadCheck => ({
  kind: 'Deployment',
  namespace,
  name: null,
  selector: { app: 'istiod', 'istio.io/rev': revision },
  label: `istiod ${revision}`,
});

function agent(which: 'istio-cni' | 'ztunnel', found: NodeAgentLocations['cni'], namespace: string): WorkloadCheck {
  const location = found ?? { namespace, name: nodeAgentDaemonSet(which) };
  return { kind: 'DaemonSet', namespace: location.namespace, name: location.name, selector: null, label: which };
}

/**
 * The checks after `step`, or null for steps that install nothing. `controlPlaneNamespace` is the
 * spec's install namespace; `agents` where the inventory found istio-cni and ztunnel.
 */
export function verificationOf(
  step: Step,
  controlPlaneNamespace: string,
  agents: NodeAgentLocations,
): Verification | null {
  switch (step.kind) {
    case 'upgrade-base':
      return { version: step.version, workloads: [], releases: [{ release: step.release, namespace: step.namespace }] };
    case 'install-revision':
    case 'upgrade-control-plane': {
      const workloads = [istiod(step.namespace, step.revision)];
      if (step.kind === 'upgrade-control-plane') {
        if (step.alsoUpgrades.cni) workloads.push(agent('istio-cni', agents.cni, step.namespace));
        if (step.alsoUpgrades.ztunnel) workloads.push(agent('ztunnel', agents.ztunnel, step.namespace));
      }
      const releases =
        step.method === 'helm' ? [{ release: istiodRelease(step.revision), namespace: step.namespace }] : [];
      return { version: step.version, workloads, releases };
    }
    case 'upgrade-cni':
    case 'upgrade-ztunnel': {
      const which = step.kind === 'upgrade-cni' ? 'istio-cni' : 'ztunnel';
      const found = step.kind === 'upgrade-cni' ? agents.cni : agents.ztunnel;
      // Sail names its node agents itself: check the DaemonSet only where the inventory found it.
      if (step.method === 'sail' && found === null) return { version: step.version, workloads: [], releases: [] };
      const workload = agent(which, found, controlPlaneNamespace);
      const releases = step.method === 'helm' ? [{ release: which, namespace: workload.namespace }] : [];
      return { version: step.version, workloads: [workload], releases };
    }
    case 'precheck':
    case 'gate':
    case 'switch-gateways':
    case 'move-namespace':
    case 'move-tag':
    case 'restart-workload':
    case 'test-workload':
    case 'verify-proxies':
    case 'soak':
    case 'remove-old-revision':
      // Gateways, namespaces and restarts are checked by their own steps (proxy versions); the rest install nothing.
      return null;
  }
}

/** "istiod 1-27-3 runs 1.27.3 and is available; Helm release istiod-1-27-3 deployed at chart 1.27.3". */
export function describeVerification(verification: Verification): string {
  const parts = [
    ...verification.workloads.map((w) => `${w.label} runs ${verification.version} and is available`),
    ...verification.releases.map((r) => `Helm release ${r.release} is deployed at chart ${verification.version}`),
  ];
  return parts.join('; ');
}

/** Every install step's checks, by step id: what the plan records, prints and the workflow runs. */
export function verificationsOf(steps: readonly Step[], inventory: Inventory): Record<string, Verification> {
  const located = (found: { namespace: string; name: string } | null) =>
    found === null ? null : { namespace: found.namespace, name: found.name };
  const agents = { cni: located(inventory.cni), ztunnel: located(inventory.ztunnel) };
  const out: Record<string, Verification> = {};
  for (const step of steps) {
    const verification = verificationOf(step, inventory.controlPlane.namespace, agents);
    if (verification !== null) out[step.id] = verification;
  }
  return out;
}
