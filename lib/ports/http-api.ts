import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { SluiceError } from '../core/errors';

/**
 * The header that carries a local installation's API token: locally, it stands where IAM
 * authorization stands on AWS.
 */
export const API_TOKEN_HEADER = 'x-sluice-token';

/** The HTTP API as Lambda runs it behind API Gateway (payload format 2.0), and as the local server calls it. */
export type HttpApiHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * What a request may send, decided from its request line and headers before its body is read:
 * what API Gateway's routes, authorizer and payload limit decide on AWS.
 */
export interface Admission {
  /** Why it is refused from its head alone; its body is then never read. */
  refusal?: SluiceError;
  /**
   * Who the caller must prove it is: a client of the API (IAM on AWS, the API token locally), a
   * user of the console (Cognito's ID token on AWS, a console session locally), or no one.
   */
  authenticated: false | 'api' | 'console';
  /** The largest body the path takes. */
  maxBodyBytes: number;
  /** Whether the body may be large enough to count against the bytes that bodies in flight may hold. */
  large: boolean;
}

/** The HTTP API: its handler, and what it admits before a body is read. */
export interface HttpApi {
  handle: HttpApiHandler;
  admit(head: Pick<APIGatewayProxyEventV2, 'rawPath' | 'headers' | 'requestContext'>): Admission;
}
