import { ApplicationFailure } from '@temporalio/common';

/** The ApplicationFailure a promise rejects with; anything else fails the test. */
export async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ApplicationFailure) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}
