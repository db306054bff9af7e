import { executionConsoleUrl, pipelineExecutionArn, pipelineStateMachineArn } from '../adapters/aws/step-functions-engine';
import { CommitStatusPublisher } from '../execution/commit-statuses';
import { awsEnvironment, engineOptions } from './aws-environment';
import { awsExecutionStore } from './aws-execution-store';
import { awsRepositoryHosts } from './aws-repository-hosts';

/**
 * Commit statuses reported to each connection's host with the stack's token for it. A missing
 * token, like any reporting failure, is one warning for each status, and never fails anything.
 */
export function awsCommitStatuses(warn: (message: string) => void): CommitStatusPublisher {
  const options = engineOptions();
  const region = awsEnvironment().region;
  return new CommitStatusPublisher({
    reporter: awsRepositoryHosts(),
    store: awsExecutionStore(),
    executionUrl: (executionId, pipelineName) => executionConsoleUrl(pipelineExecutionArn(pipelineStateMachineArn(options, region, pipelineName), executionId)),
    warn,
  });
}
