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

/** An event whose request context carries what API Gateway's authorizer of the route put there. */
const authorized = (authorizer: unknown) => {
  const base = event({ routeKey: 'ANY /console/api/{proxy+}', rawPath: '/console/api/pipelines' });
  return { ...base, requestContext: { ...base.requestContext, authorizer } } as APIGatewayProxyEventV2;
};

/** The claims API Gateway's JWT authorizer passes on for a Cognito ID token: every value a string. */
const idTokenClaims = {
  sub: '0f3c6a1e-5b7d-4c2a-9e8f-1a2b3c4d5e6f',
  'cognito:username': 'ada',
  email: 'ada@example.com',
  iss: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123',
  aud: '4k2n6p8r0t2v4x6z8b0d2f4h6j',
  token_use: 'id',
  exp: '1796601600',
};

describe('the principal of a request that API Gateway authorized', () => {
  it('is the IAM principal that IAM authorization verified', () => {
    expect(httpRequestFromApiGateway(authorized({ iam: { userArn: 'arn:aws:iam::123456789012:user/ada' } })).principal).toBe(
      'arn:aws:iam::123456789012:user/ada',
    );
  });

  it("is the console user's Cognito username, from the claims of the ID token that the JWT authorizer verified", () => {
    expect(httpRequestFromApiGateway(authorized({ jwt: { claims: idTokenClaims, scopes: null } })).principal).toBe('ada');
  });

  it("is the token's subject when the claims name no username", () => {
    const { 'cognito:username': _username, ...claims } = idTokenClaims;
    expect(httpRequestFromApiGateway(authorized({ jwt: { claims, scopes: null } })).principal).toBe(idTokenClaims.sub);
  });

  it('is no one where the route has no authorizer, or its claims name nobody', () => {
    expect(httpRequestFromApiGateway(authorized(undefined))).not.toHaveProperty('principal');
    expect(httpRequestFromApiGateway(authorized({ jwt: { claims: { 'cognito:username': '', token_use: 'id' }, scopes: null } }))).not.toHaveProperty(
      'principal',
    );
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
