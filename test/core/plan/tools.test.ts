import { describe, expect, it } from 'vitest';
import { toolsForPlan } from '../../../core/plan/tools.js';
import { planUpgrade } from '../../../core/plan/upgrade.js';
import type { SpecInput } from '../../../core/spec/schema.js';
import { cluster, spec, type ClusterOptions } from '../fixtures/cluster.js';

interface Case {
  name: string;
  install: SpecInput['install'];
  version: SpecInput['version'];
  cluster: ClusterOptions;
  istioctl: string[];
  charts: string[];
}

const CASES: Case[] = [
  {
    name: 'an istioctl canary runs istioctl-1.28.3 for the precheck, the install, the default tag and the uninstall',
    install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision' },
    version: { target: '1.28.3' },
    cluster: { installer: 'istioctl', version: '1.27.3' },
    istioctl: ['1.28.3 precheck@1.28.3,install-revision:1-28-3,move-tag:default@1-28-3,remove-revision:default'],
    charts: [],
  },
  {
    name: 'an istioctl in-place chain runs the istioctl of each hop (the one precheck analyses the target)',
    install: { method: 'istioctl', mode: 'sidecar', strategy: 'in-place' },
    version: { target: '1.28.3', intermediate: { '1.27': '1.27.2' } },
    cluster: { installer: 'istioctl', version: '1.26.4' },
    istioctl: ['1.28.3 precheck@1.28.3,control-plane@1.28.3', '1.27.2 control-plane@1.27.2'],
    charts: [],
  },
  {
    name: 'a Helm canary installs base and istiod charts of the target and moves the default tag with istioctl-1.28.3',
    install: { method: 'helm', mode: 'sidecar', strategy: 'revision' },
    version: { target: '1.28.3' },
    cluster: { installer: 'helm', version: '1.27.3' },
    istioctl: ['1.28.3 move-tag:default@1-28-3'],
    charts: ['istio/base@1.28.3 base@1.28.3', 'istio/istiod@1.28.3 install-revision:1-28-3'],
  },
  {
    name: 'a Helm in-place upgrade runs no istioctl, only the charts of its hop',
    install: { method: 'helm', mode: 'sidecar', strategy: 'in-place' },
    version: { target: '1.27.2' },
    cluster: { installer: 'helm', version: '1.27.1' },
    istioctl: [],
    charts: ['istio/base@1.27.2 base@1.27.2', 'istio/istiod@1.27.2 control-plane@1.27.2'],
  },
  {
    name: 'a Helm ambient in-place upgrade adds the cni and ztunnel charts',
    install: { method: 'helm', mode: 'ambient', strategy: 'in-place' },
    version: { target: '1.28.0' },
    cluster: { installer: 'helm', version: '1.27.3', ambient: true },
    istioctl: [],
    charts: [
      'istio/base@1.28.0 base@1.28.0',
      'istio/istiod@1.28.0 control-plane@1.28.0',
      'istio/cni@1.28.0 cni@1.28.0',
      'istio/ztunnel@1.28.0 ztunnel@1.28.0',
    ],
  },
  {
    name: 'Sail runs no tool',
    install: { method: 'sail', mode: 'sidecar', strategy: 'revision' },
    version: { target: '1.28.0' },
    cluster: { version: '1.27.3', sail: 'RevisionBased', revision: 'default-v1-27-3' },
    istioctl: [],
    charts: [],
  },
];

describe('the tools a plan runs', () => {
  it.each(CASES)('$name', (c) => {
    const plan = planUpgrade(spec({ install: c.install, version: c.version }), cluster(c.cluster));
    const tools = toolsForPlan(plan);
    expect(tools.istioctl.map((need) => `${need.version} ${need.steps.join(',')}`)).toEqual(c.istioctl);
    expect(tools.charts.map((need) => `${need.chart}@${need.version} ${need.steps.join(',')}`)).toEqual(c.charts);
  });
});
