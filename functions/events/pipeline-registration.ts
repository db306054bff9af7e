import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { cloudFormationResponse } from '../../lib/adapters/aws/cloudformation-response';
import { awsStackPipelines, awsVersionPruning } from '../../lib/compose/aws';
import type { StackPipelineProperties } from '../../lib/operations/stack-pipelines';

const logger = new Logger();

/**
 * The Custom::SluicePipeline of each pipelines/*.yml (serverless.yml): a deploy that publishes a
 * version of its state machine records the pipeline's next version, and removing the file or the
 * stack removes the pipeline. The resource is the pipeline, so its id is the pipeline's name.
 */
export const handler = middy(
  async (event: CloudFormationCustomResourceEvent) => {
    const pipelines = awsStackPipelines();
    if (event.RequestType === 'Delete') {
      await pipelines.deregister(event.PhysicalResourceId);
      return { PhysicalResourceId: event.PhysicalResourceId };
    }
    const { name, version, versionArn, stateMachineArn } = await pipelines.register(
      event.ResourceProperties as unknown as StackPipelineProperties,
      event.StackId,
    );
    logger.info('Pipeline registered', { name, version, versionArn });
    // Each deploy that changes the file publishes a version; CloudFormation keeps the replaced ones.
    if (event.RequestType === 'Update') await awsVersionPruning((message) => logger.warn(message))(stateMachineArn!);
    return { PhysicalResourceId: name };
  },
  // Time to answer CloudFormation before Lambda stops the function, which would leave it waiting.
  { timeoutEarlyInMillis: 5_000 },
)
  .use(injectLambdaContext(logger))
  .use(cloudFormationResponse());
