import type { Retrier } from './asl';

/**
 * Lambda did not run the function: throttled, or its own service failed. New accounts often have a
 * concurrency of 10, and an action holds its slot for up to 15 minutes, so a throttled Task keeps
 * trying for about that long. Full jitter spreads the Tasks of a wide Parallel that were throttled
 * together, instead of sending them back at the same instants. The caps sum to 1,806 s
 * (2+4+…+64, then 120 fourteen times); full jitter waits a random part of each, about 15 minutes
 * in all on average.
 */
export const LAMBDA_TRANSIENT: Retrier = {
  ErrorEquals: ['Lambda.TooManyRequestsException', 'Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException'],
  IntervalSeconds: 2,
  BackoffRate: 2,
  MaxDelaySeconds: 120,
  MaxAttempts: 20,
  JitterStrategy: 'FULL',
};

/**
 * A retried step whose first call is still running gets this error from the idempotency table;
 * waiting for the first call to finish gives its result. The first call started before this one
 * and ends within its Lambda timeout: it returns (its result is recorded), fails (its record is
 * deleted), or is killed, and then its in-progress record, which Powertools dates to the
 * function's remaining time, lapses at the same moment. So waiting out the longest Task function
 * timeout (the action runner's 900 s), from the retry's first attempt, is always enough, and a
 * retry that then runs the step again never overlaps the first. The waits are 10+20+40+80, then
 * 120 eight times: 1,110 s. No jitter here: a random wait could end the budget before the first
 * call does. A completed call's record lives an hour (Powertools' default expiresAfterSeconds),
 * far longer than any wait between two attempts (at most 120 s), so a retry after it gets its
 * result and never runs the step again.
 */
export const FIRST_CALL_RUNNING: Retrier = {
  ErrorEquals: ['IdempotencyAlreadyInProgressError'],
  IntervalSeconds: 10,
  BackoffRate: 2,
  MaxDelaySeconds: 120,
  MaxAttempts: 12,
};

/** What a retrier waits in all when every attempt is used: the sum of its capped intervals (with full jitter, the most it waits). */
export function retryWaitSeconds(retrier: Retrier): number {
  let total = 0;
  for (let attempt = 0; attempt < retrier.MaxAttempts; attempt++) {
    const interval = retrier.IntervalSeconds * retrier.BackoffRate ** attempt;
    total += retrier.MaxDelaySeconds === undefined ? interval : Math.min(interval, retrier.MaxDelaySeconds);
  }
  return total;
}
