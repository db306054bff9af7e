import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';

const logger = new Logger();

/**
 * Every minute (the SourcePollSchedule rule): one look at the sources whose PollForSourceChanges
 * is "true", which starts, on Step Functions, each pipeline whose source changed since the look
 * before. The execution table keeps what each look found, so overlapping runs start a change once.
 * Its composition loads with its first look, and each polled provider's code when a source of its
 * kind is first polled.
 */
export const handler = middy(async () => {
  const [{ awsStartInBackground }, { awsSourcePollDependencies }, { providerLatestRevision, sourcePoll }, { polledSourceProvider }] = await Promise.all([
    import('../../lib/compose/aws'),
    import('../../lib/compose/aws-source-poll'),
    import('../../lib/execution/source-polling'),
    import('../../lib/actions/polled-sources'),
  ]);
  const deps = awsSourcePollDependencies();
  const poll = sourcePoll({
    store: deps.store,
    start: awsStartInBackground(),
    latestRevision: providerLatestRevision(deps, polledSourceProvider),
    write: (line) => (line.startsWith('warning: ') ? logger.warn(line) : logger.info(line)),
  });
  await poll();
}).use(injectLambdaContext(logger));
