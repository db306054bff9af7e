import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { CONSOLE_VARIABLES, ENGINE_VARIABLES, ENVIRONMENT_VARIABLES } from '../../../lib/compose/aws-environment';
import { ACCOUNT, motoEndpoint, uniqueName } from './moto-clients';

/** The stack's resources a test gives the function; the others get placeholders it never calls. */
export interface FunctionResources {
  region: string;
  stage: string;
  table: string;
  eventBusName: string;
  /** A placeholder secret when the test never reads the GitHub token. */
  gitHubTokenSecretArn?: string;
  /** A placeholder role when the test never starts a state machine. */
  stateMachineRoleArn?: string;
}

/**
 * What serverless.yml sets on the http function (every function's variables and the engine's),
 * with the SDK pointed at moto, as Lambda would set them.
 */
export function httpFunctionEnvironment(resources: FunctionResources): Record<string, string> {
  const { region, stage } = resources;
  return {
    AWS_REGION: region,
    AWS_ENDPOINT_URL: motoEndpoint(),
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    [ENVIRONMENT_VARIABLES.tableName]: resources.table,
    [ENVIRONMENT_VARIABLES.idempotencyTableName]: uniqueName('sluice-idempotency'),
    [ENVIRONMENT_VARIABLES.artifactBucket]: 'sluice-artifacts',
    [ENVIRONMENT_VARIABLES.eventBusName]: resources.eventBusName,
    [ENVIRONMENT_VARIABLES.approvalTopicArn]: `arn:aws:sns:${region}:${ACCOUNT}:sluice-approvals`,
    [ENVIRONMENT_VARIABLES.publicUrl]: 'https://sluice.example.com/',
    [ENVIRONMENT_VARIABLES.pipelineArnPrefix]: `arn:aws:codepipeline:${region}:${ACCOUNT}:`,
    [ENVIRONMENT_VARIABLES.gitHubTokenSecretArn]: resources.gitHubTokenSecretArn ?? `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:unused`,
    [ENVIRONMENT_VARIABLES.gitHubApiUrl]: 'https://api.github.com',
    [ENGINE_VARIABLES.roleArn]: resources.stateMachineRoleArn ?? `arn:aws:iam::${ACCOUNT}:role/unused`,
    [ENGINE_VARIABLES.namePrefix]: `sluice-${stage}-`,
    [CONSOLE_VARIABLES.authority]: `https://cognito-idp.${region}.amazonaws.com/${region}_Console`,
    [CONSOLE_VARIABLES.domain]: `sluice-${stage}-${ACCOUNT}.auth.${region}.amazoncognito.com`,
    [CONSOLE_VARIABLES.clientId]: 'console-client',
    // Powertools' logger writes to the global console, where a test reads its warnings.
    POWERTOOLS_DEV: 'true',
  };
}

/** The IAM principal whose signed requests API Gateway hands to the http function. */
export const API_CALLER_ARN = `arn:aws:iam::${ACCOUNT}:user/deployer`;

/** A request as API Gateway's HTTP API (payload 2.0) hands it to the http function. */
export function httpApiEvent(method: string, path: string, options: { body?: string; headers?: Record<string, string> } = {}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: path.startsWith('/api/') ? 'ANY /api/{proxy+}' : `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...options.headers },
    body: options.body,
    isBase64Encoded: false,
    requestContext: {
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'sluice-test' },
      // API Gateway's IAM authorization of /api names the caller it verified.
      ...(path.startsWith('/api/') ? { authorizer: { iam: { userArn: API_CALLER_ARN } } } : {}),
    },
  } as unknown as APIGatewayProxyEventV2;
}

const context = {
  awsRequestId: 'test-request',
  functionName: 'sluice-test-http',
  memoryLimitInMB: '1024',
  functionVersion: '$LATEST',
  invokedFunctionArn: '',
} as unknown as Context;

/**
 * Calls the http function as Lambda does; the warnings it logs land in `warnings`. It is loaded
 * on the first call, after the test has set the environment: compose/aws.ts reads it once, as a
 * Lambda container does.
 */
export async function invokeHttpFunction(event: APIGatewayProxyEventV2, warnings: string[] = []): Promise<{ status: number; body: Record<string, unknown> }> {
  const { handler } = await import('../../../functions/http/api');
  const warn = jest.spyOn(console, 'warn').mockImplementation((line: string) => void warnings.push(line));
  try {
    const result = (await handler(event, context)) as APIGatewayProxyStructuredResultV2;
    return { status: result.statusCode!, body: JSON.parse(result.body!) };
  } finally {
    warn.mockRestore();
  }
}

/** The idempotency table as serverless.yml declares it, under the name the function's environment gives. */
export async function createIdempotencyTable(dynamodb: DynamoDBClient, environment: Record<string, string>): Promise<void> {
  await dynamodb.send(
    new CreateTableCommand({
      TableName: environment.IDEMPOTENCY_TABLE_NAME,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    }),
  );
}
