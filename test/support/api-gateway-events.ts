import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { HttpApi } from '../../lib/ports/http-api';

/** A request as API Gateway's HTTP API (payload format 2.0) hands it to a Lambda handler. */
export function apiGatewayEvent(
  method: string,
  target: string,
  options: { body?: string; headers?: Record<string, string>; requestId?: string } = {},
): APIGatewayProxyEventV2 {
  const url = new URL(target, 'https://sluice.example.com');
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers: { ...options.headers },
    ...(url.search ? { queryStringParameters: Object.fromEntries(url.searchParams) } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'sluice.example.com',
      domainPrefix: 'sluice',
      http: { method, path: url.pathname, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'sluice-test' },
      requestId: options.requestId ?? 'request-1',
      routeKey: '$default',
      stage: '$default',
      time: '06/Dec/2026:01:00:00 +0000',
      timeEpoch: 0,
    },
    ...(options.body === undefined ? {} : { body: options.body }),
    isBase64Encoded: false,
  };
}

export const lambdaContext = (awsRequestId = 'request-1') => ({ awsRequestId, functionName: 'sluice-http' }) as Context;

/** Calls the API's handler as Lambda does, and gives the status and the body as JSON. */
export async function invoke(api: HttpApi, method: string, target: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const event = apiGatewayEvent(method, target, body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  const result = await api.handle(event, lambdaContext());
  return { status: result.statusCode!, body: JSON.parse(result.body!) };
}
