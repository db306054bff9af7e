import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { HttpRequest, HttpResponse } from './http-types';

/** An HTTP API (payload format 2.0) event as the request the handlers in lib/api take. */
export function httpRequestFromApiGateway(event: APIGatewayProxyEventV2): HttpRequest {
  const body = event.body ?? '';
  // Routes with IAM authorization carry the caller's principal; the event's type, shared by every route, does not say so.
  const principal = (event.requestContext as { authorizer?: { iam?: { userArn?: string } } }).authorizer?.iam?.userArn;
  return {
    method: event.requestContext.http.method,
    path: event.rawPath,
    query: { ...event.queryStringParameters },
    headers: { ...event.headers },
    body: event.isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body,
    sourceIp: event.requestContext.http.sourceIp,
    ...(principal ? { principal } : {}),
  };
}

export function apiGatewayResultFromHttpResponse(response: HttpResponse): APIGatewayProxyStructuredResultV2 {
  return { statusCode: response.status, headers: response.headers, body: response.body, isBase64Encoded: false };
}
