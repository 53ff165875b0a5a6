/**
 * Upgrade notes of the minors an in-place chain crosses between 1.21 and 1.26 that change what
 * an upgrade does to a running mesh, each with its page. The 1.21 flag flip and the 1.27 changes
 * have checks of their own (auto-sni-defaults, native-sidecars, removed-tracing-providers).
 */
import type { Spec } from '../spec/schema.js';
import type { Finding, Severity } from './finding.js';
import { hopInto } from './precheck.js';
import type { Precheck } from './precheck.js';

interface Note {
  minor: number;
  applies: (spec: Spec) => boolean;
  severity: Severity;
  message: string;
  remedy: string;
  source: string;
}

const notes = (minor: number) =>
  `https://istio.io/latest/news/releases/1.${minor}.x/announcing-1.${minor}/upgrade-notes/`;

const NOTES: readonly Note[] = [
  {
    minor: 22,
    applies: (spec) => spec.install.mode === 'ambient',
    severity: 'block',
    message:
      'Ambient mode went from alpha to beta in 1.22 (waypoints bound with the istio.io/use-waypoint label, new ztunnel and istio-cni behaviour): an alpha ambient install is not upgraded in place',
    remedy:
      'Follow the 1.22 upgrade notes for ambient (reinstall the ambient components at 1.22 and rebind waypoints), then plan the rest of the chain from 1.22',
    source: notes(22),
  },
  {
    minor: 24,
    applies: (spec) => spec.install.method === 'helm',
    severity: 'warn',
    message:
      'From 1.24 the istio-base chart installs and upgrades the CRDs from its templates, instead of kubectl apply of manifests/charts/base/crds',
    remedy:
      'Let the base chart own the CRDs (the plan upgrades istio-base before istiod); CRDs applied by hand before must carry the Helm ownership labels or helm refuses them',
    source: notes(24),
  },
  {
    minor: 25,
    applies: (spec) => spec.install.method === 'helm' && spec.install.mode === 'ambient',
    severity: 'warn',
    message:
      'The 1.25 ztunnel Helm chart names its resources after .Resource.Name, which must stay in step with the istiod chart; 1.26 returns to the static name ztunnel',
    remedy:
      'Pass the same resourceName to the ztunnel chart on each hop (--set resourceName=ztunnel keeps the name stable across 1.25 and 1.26)',
    source: notes(26),
  },
  {
    minor: 24,
    applies: (spec) => spec.install.mode === 'ambient',
    severity: 'info',
    message:
      'Ambient mode is generally available from 1.24, with new compatibility profiles; ztunnel and istio-cni must stay within one minor of istiod on every hop',
    remedy: 'Nothing to do for the plan: it upgrades istio-cni and ztunnel after istiod on each hop',
    source: notes(24),
  },
];

export const upgradeNotes: Precheck = {
  id: 'upgrade-notes',
  title: 'Upgrade notes of 1.22 to 1.26 that the chain crosses (ambient beta, Helm chart changes)',
  run(input) {
    return NOTES.flatMap((note): Finding[] => {
      const hop = hopInto(input, 1, note.minor);
      if (hop === null || !note.applies(input.context.spec)) return [];
      return [
        {
          check: 'upgrade-notes',
          severity: note.severity,
          message: note.message,
          evidence: [`hop ${hop} crosses 1.${note.minor}`],
          remedy: note.remedy,
          hop,
          source: note.source,
        },
      ];
    });
  },
};
