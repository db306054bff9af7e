import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { httpApi } from '../../lib/api/http-api';
import { awsDependencies, awsWebhookDependencies } from '../../lib/compose/aws';
import { awsOperations } from '../../lib/compose/aws-jobs';
import { awsCommitStatuses } from '../../lib/compose/aws-commit-statuses';
import { awsArtifactLinks, awsConsole } from '../../lib/compose/aws-console';

const logger = new Logger();

/**
 * The HTTP API: Sluice's API, CodePipeline's protocol, the console, the approval pages and GitHub's webhook.
 * API Gateway authorizes `/api/...` and `POST /` with IAM before this runs, and `/console/api/...` with the
 * JWT authorizer of the stack's user pool; the console's page, `/approvals/{id}` and `/webhooks/github` are
 * public, the last authenticated by the delivery's signature. An artifact's zip is answered with a presigned S3
 * URL, which the browser follows. The statuses of the pipelines a delivery skipped go out before the answer.
 */
const { handle } = httpApi(
  {
    api: (caller) => awsOperations().onBehalfOf(caller),
    approvals: awsDependencies,
    codePipelineCallers: { verify: 'gateway' },
    console: awsConsole(),
    artifactLinks: awsArtifactLinks,
    webhookDelivery: () => {
      const statuses = awsCommitStatuses((message) => logger.warn(message));
      return { deps: awsWebhookDependencies((skip) => statuses.skipped(skip)), settled: () => statuses.settled() };
    },
  },
  { log: logger },
);

export const handler = middy(handle).use(injectLambdaContext(logger));
