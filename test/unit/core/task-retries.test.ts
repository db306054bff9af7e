import { FIRST_CALL_RUNNING, LAMBDA_TRANSIENT, retryWaitSeconds } from '../../../lib/core/task-retries';

describe('the Task retries', () => {
  it('add up capped, growing intervals', () => {
    expect(retryWaitSeconds({ ErrorEquals: ['X'], IntervalSeconds: 1, BackoffRate: 2, MaxAttempts: 3 })).toBe(7);
    expect(retryWaitSeconds({ ErrorEquals: ['X'], IntervalSeconds: 10, BackoffRate: 2, MaxDelaySeconds: 25, MaxAttempts: 4 })).toBe(10 + 20 + 25 + 25);
  });

  it('keep a throttled Task trying for minutes, with full jitter, each wait capped at two minutes', () => {
    expect(LAMBDA_TRANSIENT.ErrorEquals).toContain('Lambda.TooManyRequestsException');
    expect(LAMBDA_TRANSIENT.JitterStrategy).toBe('FULL');
    expect(LAMBDA_TRANSIENT.MaxDelaySeconds).toBe(120);
    // Full jitter waits half of each cap on average: about a quarter of an hour in all.
    expect(retryWaitSeconds(LAMBDA_TRANSIENT) / 2).toBeGreaterThan(15 * 60);
  });

  it('wait for a first call without jitter, so that the whole wait is certain', () => {
    expect(FIRST_CALL_RUNNING.JitterStrategy ?? 'NONE').toBe('NONE');
    expect(retryWaitSeconds(FIRST_CALL_RUNNING)).toBe(1110);
  });
});
