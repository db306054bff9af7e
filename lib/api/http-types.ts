/** One HTTP request, as the routes read it from an API Gateway v2 event. */
export interface HttpRequest {
  method: string;
  path: string;
  query: Record<string, string | undefined>;
  headers: Record<string, string | undefined>;
  body: string;
  sourceIp?: string;
  /**
   * Who API Gateway's authorization verified, on AWS: the IAM principal (`requestContext.authorizer.iam.userArn`), or
   * the console's user, from the claims of the ID token that the JWT authorizer checked (`cognito:username`, else `sub`).
   */
  principal?: string;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}
