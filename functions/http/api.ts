import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { apiGatewayResultFromHttpResponse, httpRequestFromApiGateway } from '../../lib/api/api-gateway-v2';
import { handleApprovalRequest } from '../../lib/api/approval-routes';
import type { HttpRequest, HttpResponse } from '../../lib/api/http-types';
import { handleJsonApiRequest, jsonResponse } from '../../lib/api/json-api';
import { handleWebhookRequest } from '../../lib/api/webhook-routes';
import { awsCommitStatuses, awsDependencies, awsOperations, awsWebhookDependencies } from '../../lib/compose/aws';

const logger = new Logger();

/** The statuses of the pipelines a delivery skipped go out before the answer: Lambda freezes the container after it. */
async function respondToWebhook(request: HttpRequest): Promise<HttpResponse | undefined> {
  const statuses = awsCommitStatuses((message) => logger.warn(message));
  try {
    return await handleWebhookRequest(awsWebhookDependencies((skip) => statuses.skipped(skip)), request);
  } finally {
    await statuses.settled();
  }
}

/**
 * API Gateway authorizes `/api/...` with IAM before this runs; `/approvals/{id}` is public, and
 * `/webhooks/github` is too, authenticated by the delivery's signature.
 */
async function respond(request: HttpRequest): Promise<HttpResponse | undefined> {
  if (request.path.startsWith('/api/')) return handleJsonApiRequest(awsOperations(), request);
  if (request.path.startsWith('/webhooks/')) return respondToWebhook(request);
  return handleApprovalRequest(awsDependencies(), request);
}

/** The HTTP API: Sluice's API, the approval pages and GitHub's webhook. */
export const handler = middy(async (event: APIGatewayProxyEventV2, context: Context) => {
  try {
    const request = httpRequestFromApiGateway(event);
    const response = (await respond(request)) ?? jsonResponse(404, { error: 'Sluice.NotFound', message: `Nothing at ${request.path}.` });
    return apiGatewayResultFromHttpResponse(response);
  } catch (error) {
    logger.error('Request failed', { error: error as Error, path: event.rawPath });
    return apiGatewayResultFromHttpResponse(
      jsonResponse(500, { error: 'Sluice.InternalError', message: `The request failed; the function log has the details under request id ${context.awsRequestId}.` }),
    );
  }
}).use(injectLambdaContext(logger));
