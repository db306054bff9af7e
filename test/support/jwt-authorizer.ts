import type { IncomingMessage, RequestListener } from 'node:http';
import { text } from 'node:stream/consumers';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { HttpApi } from '../../lib/ports/http-api';
import { apiGatewayEvent, lambdaContext } from './api-gateway-events';

/** What API Gateway's JWT authorizer is configured with: the Cognito pool as issuer, the console's client as audience. */
export interface JwtAuthorizerSettings {
  issuer: string;
  audience: string;
  /** Where the issuer publishes its keys. */
  jwksUrl: string;
}

/**
 * The claims API Gateway's JWT authorizer passes on for a token it lets through: it checks the
 * signature by a key of the issuer's JWKS, the issuer, the audience and the expiry (jose), and
 * hands on every claim as a string. It throws, saying why, for a token it refuses.
 */
export async function claimsTheAuthorizerPasses(token: string, { issuer, audience, jwksUrl }: JwtAuthorizerSettings): Promise<Record<string, string>> {
  const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(jwksUrl)), { issuer, audience, algorithms: ['RS256'], requiredClaims: ['exp'] });
  return Object.fromEntries(Object.entries(payload).map(([name, value]) => [name, String(value)]));
}

/** A request as API Gateway hands it on once its JWT authorizer has let it through, on the console's route. */
export function withJwtClaims(event: APIGatewayProxyEventV2, claims: Record<string, string>): APIGatewayProxyEventV2 {
  return {
    ...event,
    routeKey: 'ANY /console/api/{proxy+}',
    requestContext: { ...event.requestContext, authorizer: { jwt: { claims, scopes: null } } } as never,
  };
}

const bearerToken = (request: IncomingMessage) => /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];

/**
 * A stand-in for the stack's HTTP API in API Gateway, which cannot run here: `/console/api/*`
 * passes only with a bearer ID token that the JWT authorizer lets through (401
 * `{"message":"Unauthorized"}` otherwise, as API Gateway answers), its claims in
 * `requestContext.authorizer.jwt.claims`; every other path goes to the handler as it is.
 */
export function jwtAuthorizedGateway(api: HttpApi, authorizer: JwtAuthorizerSettings): RequestListener {
  return async (request, response) => {
    const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
    const body = await text(request);
    let event = apiGatewayEvent(request.method!, request.url!, { headers, ...(body ? { body } : {}) });
    if (event.rawPath.startsWith('/console/api/')) {
      const token = bearerToken(request);
      const claims = token ? await claimsTheAuthorizerPasses(token, authorizer).catch(() => undefined) : undefined;
      if (!claims) {
        response.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Unauthorized' }));
        return;
      }
      event = withJwtClaims(event, claims);
    }
    const result = await api.handle(event, lambdaContext('gateway-request'));
    const bytes = result.body === undefined ? undefined : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
    response.writeHead(result.statusCode!, result.headers as Record<string, string>).end(request.method === 'HEAD' ? undefined : bytes);
  };
}
