import { describe, expect, it } from 'vitest';
import { toolsForPlan, toolsForPlanAndRollback, toolsForRollback } from '../../../core/plan/tools.js';
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
    name: 'an istioctl ambient canary also installs istio-cni and ztunnel with istioctl-1.28.3, each in its own step',
    install: { method: 'istioctl', mode: 'ambient', strategy: 'revision' },
    version: { target: '1.28.3' },
    cluster: { installer: 'istioctl', version: '1.27.3', ambient: true },
    istioctl: [
      '1.28.3 precheck@1.28.3,install-revision:1-28-3,cni@1.28.3,ztunnel@1.28.3,move-tag:default@1-28-3,remove-revision:default',
    ],
    charts: [],
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

interface RollbackCase {
  name: string;
  install: SpecInput['install'];
  version: SpecInput['version'];
  cluster: ClusterOptions;
  /** What only a rollback runs: `version steps`. */
  istioctl: string[];
  charts: string[];
}

const ROLLBACK_CASES: RollbackCase[] = [
  {
    name: "an istioctl canary's rollback uninstalls 1-28-3 and moves the default tag back with istioctl-1.27.3",
    install: { method: 'istioctl', mode: 'sidecar', strategy: 'revision' },
    version: { target: '1.28.3' },
    cluster: { installer: 'istioctl', version: '1.27.3' },
    istioctl: ['1.27.3 rollback:remove-revision:1-28-3,rollback:move-tag:default@default'],
    charts: [],
  },
  {
    name: "an istioctl ambient canary's rollback also takes istio-cni and ztunnel back with istioctl-1.27.3",
    install: { method: 'istioctl', mode: 'ambient', strategy: 'revision' },
    version: { target: '1.28.3' },
    cluster: { installer: 'istioctl', version: '1.27.3', ambient: true },
    istioctl: [
      '1.27.3 rollback:remove-revision:1-28-3,rollback:cni@1.27.3,rollback:ztunnel@1.27.3,rollback:move-tag:default@default',
    ],
    charts: [],
  },
  {
    name: "a Helm canary's rollback moves the default tag back with istioctl-1.27.3 and puts base 1.27.3 back",
    install: { method: 'helm', mode: 'sidecar', strategy: 'revision' },
    version: { target: '1.28.3' },
    cluster: { installer: 'helm', version: '1.27.3' },
    istioctl: ['1.27.3 rollback:move-tag:default@default'],
    charts: ['istio/base@1.27.3 rollback:base@1.27.3'],
  },
  {
    name: "an istioctl in-place chain's rollback runs each hop's source: 1.27.2 is needed anyway, 1.26.4 only to go back",
    install: { method: 'istioctl', mode: 'sidecar', strategy: 'in-place' },
    version: { target: '1.28.3', intermediate: { '1.27': '1.27.2' } },
    cluster: { installer: 'istioctl', version: '1.26.4' },
    istioctl: ['1.26.4 rollback:control-plane@1.26.4'],
    charts: [],
  },
  {
    name: "a Helm ambient in-place upgrade's rollback installs every chart at 1.27.3",
    install: { method: 'helm', mode: 'ambient', strategy: 'in-place' },
    version: { target: '1.28.0' },
    cluster: { installer: 'helm', version: '1.27.3', ambient: true },
    istioctl: [],
    charts: [
      'istio/istiod@1.27.3 rollback:control-plane@1.27.3',
      'istio/base@1.27.3 rollback:base@1.27.3',
      'istio/cni@1.27.3 rollback:cni@1.27.3',
      'istio/ztunnel@1.27.3 rollback:ztunnel@1.27.3',
    ],
  },
  {
    name: "a Sail canary's rollback runs no tool",
    install: { method: 'sail', mode: 'sidecar', strategy: 'revision' },
    version: { target: '1.28.0' },
    cluster: { version: '1.27.3', sail: 'RevisionBased', revision: 'default-v1-27-3' },
    istioctl: [],
    charts: [],
  },
];

describe('the tools a rollback of the plan runs, checked with the upgrade', () => {
  it.each(ROLLBACK_CASES)('$name', (c) => {
    const inventory = cluster(c.cluster);
    const plan = planUpgrade(spec({ install: c.install, version: c.version }), inventory);
    const both = toolsForPlanAndRollback(plan, inventory);
    const onlyBack = {
      istioctl: both.istioctl.filter((need) => need.forRollback === true),
      charts: both.charts.filter((need) => need.forRollback === true),
    };
    expect(onlyBack.istioctl.map((need) => `${need.version} ${need.steps.join(',')}`)).toEqual(c.istioctl);
    expect(onlyBack.charts.map((need) => `${need.chart}@${need.version} ${need.steps.join(',')}`)).toEqual(c.charts);
    // The upgrade's own needs come first and stay as toolsForPlan has them, never marked as the rollback's.
    const forward = toolsForPlan(plan);
    expect(both.istioctl.slice(0, forward.istioctl.length).map((need) => need.version)).toEqual(
      forward.istioctl.map((need) => need.version),
    );
    expect(both.istioctl.slice(0, forward.istioctl.length).every((need) => need.forRollback === undefined)).toBe(true);
  });

  it('covers every tool of the rollback planned at each point before the old revision goes', () => {
    const inventory = cluster({ installer: 'istioctl', version: '1.27.3', ambient: true });
    const plan = planUpgrade(
      spec({ install: { method: 'istioctl', mode: 'ambient', strategy: 'revision' }, version: { target: '1.28.3' } }),
      inventory,
    );
    const back = toolsForRollback(plan, inventory);
    expect(back.istioctl.every((need) => need.forRollback === true)).toBe(true);
    expect(back.istioctl.flatMap((need) => need.steps).every((id) => id.startsWith('rollback:'))).toBe(true);
    // Past the old revision's removal there is no rollback: nothing after it adds a need.
    const removal = plan.steps.findIndex((step) => step.kind === 'remove-old-revision');
    expect(toolsForRollback({ ...plan, steps: plan.steps.slice(0, removal) }, inventory)).toEqual(back);
  });
});
