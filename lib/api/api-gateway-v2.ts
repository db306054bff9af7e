import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { HttpRequest, HttpResponse } from './http-types';

/**
 * What an authorizer said of the caller. The event's type, shared by every route, does not say
 * that routes with authorization carry it.
 */
interface Authorizer {
  /** IAM authorization, on `/api/` on AWS. */
  iam?: { userArn?: string };
  /** The JWT authorizer, on `/console/api/` on AWS: the claims of the Cognito ID token. */
  jwt?: { claims?: Record<string, unknown> };
  /** An authorizer of Sluice's own: the local server's check of a console session. */
  lambda?: { principal?: string };
}

const claim = (claims: Record<string, unknown> | undefined, name: string): string | undefined => {
  const value = claims?.[name];
  return typeof value === 'string' ? value : undefined;
};

/** Who an authorizer verified the caller to be. */
const principalOf = (authorizer: Authorizer | undefined): string | undefined =>
  authorizer?.iam?.userArn ?? claim(authorizer?.jwt?.claims, 'cognito:username') ?? claim(authorizer?.jwt?.claims, 'sub') ?? authorizer?.lambda?.principal;

/** An HTTP API (payload format 2.0) event as the request the handlers in lib/api take. */
export function httpRequestFromApiGateway(event: APIGatewayProxyEventV2): HttpRequest {
  const body = event.body ?? '';
  const principal = principalOf((event.requestContext as { authorizer?: Authorizer }).authorizer);
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
  return { statusCode: response.status, headers: response.headers, body: response.body, isBase64Encoded: response.isBase64Encoded ?? false };
}
