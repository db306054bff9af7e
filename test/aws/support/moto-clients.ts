import { randomUUID } from 'node:crypto';
import { type CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand, type StateValue } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateFunctionCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import type { AwsResources } from '../../../lib/compose/aws';
import type { ContractServers, ServerKind } from '../../support/contracts/servers';

export const MOTO_ENDPOINT_VARIABLE = 'SLUICE_TEST_MOTO_ENDPOINT';
export const REGION = 'us-east-1';
/** moto's default account: the one every ARN below must name. */
export const ACCOUNT = '123456789012';

export function motoEndpoint(): string {
  const endpoint = process.env[MOTO_ENDPOINT_VARIABLE];
  if (!endpoint) throw new Error(`${MOTO_ENDPOINT_VARIABLE} is not set: run these tests with npm run test:aws, which starts moto_server.`);
  return endpoint;
}

/** The settings every SDK client of these tests shares: moto's endpoint, fixed test credentials, us-east-1. */
export function motoClientConfig() {
  return {
    endpoint: motoEndpoint(),
    region: REGION,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
}

/** Test files share one moto_server; unique names keep their resources apart. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/**
 * Queues answers for moto's Docker-less Lambda: each invocation takes the next one, then echoes
 * its payload. A state machine invokes Lambda in its own region, so a test file whose executions
 * run in a region of their own has a queue that no other file takes from.
 */
export async function queueLambdaAnswers(answers: unknown[], region = REGION): Promise<void> {
  const response = await fetch(`${motoEndpoint()}/moto-api/static/lambda-simple/response`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ results: answers.map((answer) => JSON.stringify(answer)), region, account_id: ACCOUNT }),
  });
  if (!response.ok) throw new Error(`moto refused the Lambda answers: ${response.status}`);
}

/** Creates a metric alarm on moto and puts it in `state` with SetAlarmState; returns its name. */
export async function createMotoAlarm(client: CloudWatchClient, state: StateValue): Promise<string> {
  const name = uniqueName('sluice-errors');
  await client.send(
    new PutMetricAlarmCommand({
      AlarmName: name,
      MetricName: 'Errors',
      Namespace: 'Sluice/Test',
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    }),
  );
  await client.send(new SetAlarmStateCommand({ AlarmName: name, StateValue: state, StateReason: 'set by the test' }));
  return name;
}

/**
 * Creates a Lambda function on moto, with the role it needs, and returns its name. Its code is an
 * empty zip: moto's Docker-less Lambda runs none.
 */
export async function createMotoFunction(client: LambdaClient, prefix: string): Promise<string> {
  const name = uniqueName(prefix);
  const role = uniqueName(`${prefix}-role`);
  // IAM in its query protocol: no IAM client is installed, and moto checks no signature here.
  const created = await fetch(`${motoEndpoint()}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `AWS4-HMAC-SHA256 Credential=testing/20250101/${REGION}/iam/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: new URLSearchParams({ Action: 'CreateRole', Version: '2010-05-08', RoleName: role, AssumeRolePolicyDocument: '{}' }).toString(),
  });
  if (!created.ok) throw new Error(`moto refused the role ${role}: ${created.status}`);
  await client.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs20.x',
      Role: `arn:aws:iam::${ACCOUNT}:role/${role}`,
      Handler: 'index.handler',
      Code: { ZipFile: new Uint8Array([80, 75, 5, 6, ...new Array(18).fill(0)]) },
    }),
  );
  return name;
}

/** The run's moto_server, reached by clients of each contract suite's own. */
export const motoServers = { name: 'moto', serializesConditionalWrites: false, open: openMotoServers } satisfies ServerKind;

async function openMotoServers(): Promise<ContractServers> {
  const s3 = new S3Client({ ...motoClientConfig(), forcePathStyle: true });
  const dynamodb = new DynamoDBClient(motoClientConfig());
  return {
    s3,
    dynamodb,
    uniqueName,
    async stop() {
      s3.destroy();
      dynamodb.destroy();
    },
  };
}

/** What createAwsDependencies needs of a stack: the test's table and event bus in `region`, and no artifacts, topic or site. */
export function motoResources(region: string, tableName: string, eventBusName: string): AwsResources {
  return {
    tableName,
    artifactBucket: 'unused',
    eventBusName,
    approvalTopicArn: `arn:aws:sns:${region}:${ACCOUNT}:unused`,
    publicUrl: 'https://sluice.example.com/',
    pipelineArnPrefix: `arn:aws:codepipeline:${region}:${ACCOUNT}:`,
  };
}
