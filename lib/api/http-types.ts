/** One HTTP request, as the routes read it from an API Gateway v2 event. */
export interface HttpRequest {
  method: string;
  path: string;
  query: Record<string, string | undefined>;
  headers: Record<string, string | undefined>;
  body: string;
  sourceIp?: string;
  /** The IAM principal that API Gateway's authorization verified (`requestContext.authorizer.iam.userArn`), on AWS. */
  principal?: string;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}
