/**
 * The AWS services that a local installation calls only where an endpoint variable points at them
 * (moto_server, LocalStack): stage condition rules, and the secrets of local builds.
 */
export type EndpointService = 'cloudwatch' | 'lambda' | 'ssm' | 'secretsmanager';

/** Each service's own endpoint variable, as the AWS SDKs read it; AWS_ENDPOINT_URL serves every service. */
export const ENDPOINT_VARIABLES: Record<EndpointService, string> = {
  cloudwatch: 'AWS_ENDPOINT_URL_CLOUDWATCH',
  lambda: 'AWS_ENDPOINT_URL_LAMBDA',
  ssm: 'AWS_ENDPOINT_URL_SSM',
  secretsmanager: 'AWS_ENDPOINT_URL_SECRETS_MANAGER',
};
