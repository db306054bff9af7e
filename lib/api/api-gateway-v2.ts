import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { HttpRequest, HttpResponse } from './http-types';

/** What API Gateway's authorizers put in a route's request context; the event's type, shared by every route, does not say so. */
interface AuthorizerContext {
  /** IAM authorization (`/api/...`, `POST /`): the signer it verified. */
  iam?: { userArn?: string };
  /** The JWT authorizer (`/console/api/...`): the claims of the Cognito ID token it verified, each as a string. */
  jwt?: { claims?: Record<string, string | number | boolean | string[] | undefined> };
}

/**
 * Who the gateway verified: the IAM principal, or the console's signed-in user, named by the
 * user pool's username (which an administrator chose) or, without one, by the token's subject.
 */
function principalOf(authorizer: AuthorizerContext | undefined): string | undefined {
  if (authorizer?.iam?.userArn) return authorizer.iam.userArn;
  const claims = authorizer?.jwt?.claims;
  const name = claims?.['cognito:username'] ?? claims?.sub;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/** An HTTP API (payload format 2.0) event as the request the handlers in lib/api take. */
export function httpRequestFromApiGateway(event: APIGatewayProxyEventV2): HttpRequest {
  const body = event.body ?? '';
  const principal = principalOf((event.requestContext as { authorizer?: AuthorizerContext }).authorizer);
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
