import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { apiGatewayResultFromHttpResponse, httpRequestFromApiGateway } from '../../lib/api/api-gateway-v2';
import { handleApprovalRequest } from '../../lib/api/approval-routes';
import type { HttpRequest, HttpResponse } from '../../lib/api/http-types';
import { handleJsonApiRequest, jsonResponse } from '../../lib/api/json-api';
import { awsDependencies } from '../../lib/compose/aws';
import { PipelineOperations } from '../../lib/operations/pipeline-operations';

const logger = new Logger();

/** API Gateway authorizes `/api/...` with IAM before this runs; `/approvals/{id}` is public. */
async function respond(request: HttpRequest): Promise<HttpResponse> {
  const deps = awsDependencies();
  if (request.path.startsWith('/api/')) return handleJsonApiRequest(new PipelineOperations(deps), request);
  return (await handleApprovalRequest(deps, request)) ?? jsonResponse(404, { error: 'Sluice.NotFound', message: `Nothing at ${request.path}.` });
}

/** The HTTP API: Sluice's API and the approval pages. */
export const handler = middy(async (event: APIGatewayProxyEventV2, context: Context) => {
  try {
    return apiGatewayResultFromHttpResponse(await respond(httpRequestFromApiGateway(event)));
  } catch (error) {
    logger.error('Request failed', { error: error as Error, path: event.rawPath });
    return apiGatewayResultFromHttpResponse(
      jsonResponse(500, { error: 'Sluice.InternalError', message: `The request failed; the function log has the details under request id ${context.awsRequestId}.` }),
    );
  }
}).use(injectLambdaContext(logger));
