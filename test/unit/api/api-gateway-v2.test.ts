import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { apiGatewayResultFromHttpResponse, httpRequestFromApiGateway } from '../../../lib/api/api-gateway-v2';

function event(overrides: Partial<APIGatewayProxyEventV2>): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /approvals/{id}',
    rawPath: '/approvals/abcdefghijklmnop',
    rawQueryString: '',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Mail/1.0' },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'api',
      http: { method: 'POST', path: '/approvals/abcdefghijklmnop', protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'Mail/1.0' },
      requestId: 'request',
      routeKey: 'POST /approvals/{id}',
      stage: '$default',
      time: '26/Nov/2026:06:00:00 +0000',
      timeEpoch: 0,
    },
    isBase64Encoded: false,
    ...overrides,
  };
}

describe('httpRequestFromApiGateway', () => {
  it('decodes a base64 body and keeps the method, path, headers and source address', () => {
    const form = 'decision=approve&nonce=n%C3%BC&comment=ship+it';
    const request = httpRequestFromApiGateway(event({ body: Buffer.from(form).toString('base64'), isBase64Encoded: true }));
    expect(request).toEqual({
      method: 'POST',
      path: '/approvals/abcdefghijklmnop',
      query: {},
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Mail/1.0' },
      body: form,
      sourceIp: '203.0.113.9',
    });
  });

  it('takes a plain body as it is, and the query parameters', () => {
    const request = httpRequestFromApiGateway(event({ rawPath: '/api/pipelines/webapp', body: '{"pipeline":{}}', queryStringParameters: { version: '2' } }));
    expect(request).toMatchObject({ path: '/api/pipelines/webapp', body: '{"pipeline":{}}', query: { version: '2' } });
  });

  it('gives an empty body when there is none', () => {
    expect(httpRequestFromApiGateway(event({ body: undefined })).body).toBe('');
  });
});

describe('apiGatewayResultFromHttpResponse', () => {
  it('answers with the status, headers and body as text', () => {
    expect(apiGatewayResultFromHttpResponse({ status: 410, headers: { 'cache-control': 'no-store' }, body: '<p>expired</p>' })).toEqual({
      statusCode: 410,
      headers: { 'cache-control': 'no-store' },
      body: '<p>expired</p>',
      isBase64Encoded: false,
    });
  });
});
