/** One HTTP request, as the routes read it from an API Gateway v2 event. */
export interface HttpRequest {
  method: string;
  path: string;
  query: Record<string, string | undefined>;
  headers: Record<string, string | undefined>;
  body: string;
  sourceIp?: string;
  /** Who the route's authorizer verified the caller to be: an IAM principal or a console user. */
  principal?: string;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The body is bytes, as base64, as API Gateway takes them. */
  isBase64Encoded?: boolean;
}
