import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { httpApi } from '../../lib/api/http-api';
import { awsConsole } from '../../lib/compose/aws-console';

const logger = new Logger();

/**
 * The HTTP API: Sluice's API, CodePipeline's protocol, the console, the approval pages and GitHub's webhook.
 * API Gateway authorizes `/api/...` and `POST /` with IAM before this runs, and `/console/api/...` with the
 * JWT authorizer of the stack's user pool; the console's page, `/approvals/{id}` and `/webhooks/github` are
 * public, the last authenticated by the delivery's signature. An artifact's zip is answered with a presigned S3
 * URL, which the browser follows. The statuses of the pipelines a delivery skipped go out before the answer.
 *
 * Each route loads the composition it uses when it first runs: the console's page loads no SDK
 * client, a webhook delivery neither the Lambda and STS clients nor the presigner.
 */
const { handle } = httpApi(
  {
    api: async (caller) => (await import('../../lib/compose/aws-jobs')).awsOperations().onBehalfOf(caller),
    approvals: async () => (await import('../../lib/compose/aws')).awsDependencies(),
    codePipelineCallers: { verify: 'gateway' },
    console: awsConsole(),
    artifactLinks: async () => (await import('../../lib/compose/aws-artifact-links')).awsArtifactLinks(),
    webhookDelivery: async () => {
      const [{ awsCommitStatuses }, { awsWebhookDependencies }] = await Promise.all([
        import('../../lib/compose/aws-commit-statuses'),
        import('../../lib/compose/aws'),
      ]);
      const statuses = awsCommitStatuses((message) => logger.warn(message));
      return { deps: awsWebhookDependencies((skip) => statuses.skipped(skip)), settled: () => statuses.settled() };
    },
  },
  { log: logger },
);

export const handler = middy(handle).use(injectLambdaContext(logger));
