/** When the execution that the test events belong to started. */
const EXECUTION_START = '2025-01-01T00:00:00.000Z';

/**
 * What pipelineEvent takes besides the detail: the event's id and time, by default the execution's
 * start, and the ARN of the pipeline, by default webapp in us-east-1.
 */
export function eventMeta({ id = 'event-1', time = EXECUTION_START, pipelineArn = 'arn:aws:codepipeline:us-east-1:000000000000:webapp' } = {}) {
  return { id, time, pipelineArn, startTime: EXECUTION_START };
}
