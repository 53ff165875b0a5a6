/** The chart version set in the team's YAML: only the value's bytes change, in its own quoting. */
import { describe, expect, it } from 'vitest';
import { setField } from '../../../activities/git/fields.js';

const argo = `# Argo CD owns istiod on prod
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: istiod, namespace: argocd}
spec:
  source:
    repoURL: https://istio-release.storage.googleapis.com/charts
    chart: istiod
    targetRevision: '1.26.4'    # keep in step with istio-base
    helm:
      valuesObject:
        pilot: {resources: {requests: {cpu: 500m}}}
`;

describe('setting the chart version in a GitOps file', () => {
  it("moves an Argo CD Application's spec.source.targetRevision, keeping quotes, comments and flow maps byte for byte", () => {
    const edit = setField(argo, 'spec.source.targetRevision', '1.27.3');
    expect(edit).toEqual({
      found: true,
      changed: true,
      before: ['1.26.4'],
      text: argo.replace("'1.26.4'", "'1.27.3'"),
    });
  });

  it("moves a multi-source Application's chart by its index, spec.sources.0.targetRevision, leaving the values source alone", () => {
    const multi = `spec:\n  sources:\n    - chart: istiod\n      targetRevision: 1.26.4\n    - repoURL: https://git.example.com/values.git\n      targetRevision: main\n`;
    const edit = setField(multi, 'spec.sources.0.targetRevision', '1.27.3');
    expect(edit.found && edit.text).toBe(multi.replace('1.26.4', '1.27.3'));
  });

  it('changes nothing when the version is already there', () => {
    expect(setField(argo, 'spec.source.targetRevision', '1.26.4')).toEqual({
      found: true,
      changed: false,
      before: ['1.26.4'],
      text: argo,
    });
  });

  it('names a field that is absent, or holds a map rather than a version', () => {
    expect(setField(argo, 'spec.chart.spec.version', '1.27.3')).toEqual({
      found: false,
      why: 'no spec.chart.spec.version in the file',
    });
    expect(setField(argo, 'spec.source.helm', '1.27.3')).toEqual({
      found: false,
      why: 'spec.source.helm does not hold a one-line version',
    });
    const broken = setField('a: [', 'a', '1');
    expect(broken.found).toBe(false);
    expect(!broken.found && broken.why).toMatch(/^the file is not YAML/);
  });
});
