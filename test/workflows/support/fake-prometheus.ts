/**
 * Fake Prometheus activities for logic tests of the analysis loop: the workflow's real calls to
 * `readAnalysisBaselines` and `measureAnalysis`, answered by a function of the check, the
 * workload and what the stubbed cluster has done so far (a workload restarted onto the new
 * version answers differently), or thrown as Prometheus being away. The real adapter is covered
 * against a real Prometheus by the end-to-end tests.
 */
import { activityFailure } from '../../../activities/failure.js';
import type { MeasureInput, MeasureResult, ReadBaselinesInput } from '../../../activities/index.js';
import type { Baseline } from '../../../core/analysis/measurement.js';
import type { Recorder } from './stub-activities.js';

export interface Series {
  check: string;
  namespace: string;
  workload: string;
  /** True once the stubs restarted this workload (its pods run the new proxy). */
  restarted: boolean;
  /** How many measurements of this series came before this one. */
  call: number;
}

export interface FakePrometheusOptions {
  /** The baseline value; default 0.999. */
  baseline?: (series: Series) => number | null;
  /** A measured value; default 0.999. `'down'`: Prometheus is unreachable for this call. */
  value?: (series: Series) => number | null | 'down';
}

export class FakePrometheus {
  /** Every measureAnalysis call, as `check ns/workload=value` lines per call. */
  readonly measured: string[][] = [];
  /** Every query sent, baselines and measurements alike. */
  readonly queries: string[] = [];
  private readonly calls = new Map<string, number>();

  constructor(private readonly options: FakePrometheusOptions = {}) {}

  activities(recorder: Recorder) {
    const restarted = (namespace: string, workload: string) =>
      recorder.calls.some((call) => call.startsWith(`rolloutWorkload ${namespace}/${workload} `));
    return {
      readAnalysisBaselines: (input: ReadBaselinesInput): Promise<Baseline[]> =>
        Promise.resolve(
          input.items.map((item) => {
            this.queries.push(item.query);
            return {
              ...item,
              value: this.options.baseline?.({ ...item, restarted: false, call: 0 }) ?? 0.999,
              windowSeconds: input.windowSeconds,
              at: new Date().toISOString(),
            };
          }),
        ),
      measureAnalysis: (input: MeasureInput): Promise<MeasureResult> => {
        const values = input.items.map((item) => {
          const key = `${item.check} ${item.namespace}/${item.workload}`;
          const call = this.calls.get(key) ?? 0;
          this.calls.set(key, call + 1);
          this.queries.push(item.query);
          const value = this.options.value?.({ ...item, restarted: restarted(item.namespace, item.workload), call });
          return { ...item, value: value === undefined ? 0.999 : value, error: null };
        });
        if (values.some((value) => value.value === 'down'))
          return Promise.reject(
            activityFailure('AnalysisError', 'Prometheus at http://prometheus:9090 did not answer: ECONNREFUSED'),
          );
        this.measured.push(
          values.map((value) => `${value.check} ${value.namespace}/${value.workload}=${String(value.value)}`),
        );
        return Promise.resolve({
          at: new Date().toISOString(),
          values: values.map(({ query: _query, ...value }) => ({
            ...value,
            value: value.value === 'down' ? null : value.value,
          })),
        });
      },
    };
  }
}
