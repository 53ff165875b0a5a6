import { describe, expect, it } from 'vitest';
import { jobManifest, jobVerdict } from '../../../activities/probes/job.js';

describe('Job tests', () => {
  it('reads Complete and Failed conditions as the verdict', () => {
    expect(jobVerdict({ status: { succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] } }).outcome).toBe(
      'Complete',
    );
    expect(
      jobVerdict({
        status: { failed: 1, conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] },
      }),
    ).toMatchObject({
      outcome: 'Failed',
      reason: 'BackoffLimitExceeded',
    });
    expect(jobVerdict({ status: { active: 1 } }).outcome).toBe('Running');
  });

  it('builds a Job that runs once, bounded by its deadline', () => {
    const job = jobManifest({
      namespace: 'bookinfo',
      name: 'test-reviews-7',
      run: 'step-7#1',
      image: 'curlimages/curl',
      args: ['http://reviews:9080'],
      timeoutSeconds: 60,
    });
    expect(job.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 60 });
    expect(job.spec?.template.spec?.restartPolicy).toBe('Never');
  });
});
