import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { awsStartInBackground } from '../../lib/compose/aws';
import { awsSourcePollDependencies } from '../../lib/compose/aws-source-poll';
import { providerLatestRevision, sourcePoll } from '../../lib/execution/source-polling';

const logger = new Logger();

/**
 * Every minute (the SourcePollSchedule rule): one look at the sources whose PollForSourceChanges
 * is "true", which starts, on Step Functions, each pipeline whose source changed since the look
 * before. The execution table keeps what each look found, so overlapping runs start a change once.
 */
export const handler = middy(async () => {
  const deps = awsSourcePollDependencies();
  const poll = sourcePoll({
    store: deps.store,
    start: awsStartInBackground(),
    latestRevision: providerLatestRevision(deps),
    write: (line) => (line.startsWith('warning: ') ? logger.warn(line) : logger.info(line)),
  });
  await poll();
}).use(injectLambdaContext(logger));
