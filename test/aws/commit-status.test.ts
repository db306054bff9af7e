import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { DynamoDbExecutionStore } from '../../lib/adapters/aws/dynamodb-execution-store';
import { ensureExecutionTable } from '../../lib/adapters/aws/execution-table';
import { SECRET_PLACEHOLDER } from '../../lib/adapters/aws/secrets-manager-secret';
import { ENGINE_VARIABLES, ENVIRONMENT_VARIABLES } from '../../lib/compose/aws-environment';
import { webhookTriggerDetail } from '../../lib/core/webhook-delivery';
import { DETAIL_TYPES, pipelineEvent, type PipelineEventState } from '../../lib/core/events';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github';
import { ACCOUNT, REGION, motoClientConfig, motoEndpoint, uniqueName } from './support/moto-clients';

const TOKEN = 'ghp_commit-status-token';
const REPOSITORY = 'sluice-test/app';
const COMMIT = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';
const PIPELINE = 'webapp';

const context = { awsRequestId: 'test-request', functionName: 'sluice-test-commitStatus' } as unknown as Context;

/** CodePipeline's event for a state of the execution, as EventBridge hands it to the function. */
function executionEvent(executionId: string, state: PipelineEventState) {
  const event = pipelineEvent(
    DETAIL_TYPES.pipeline,
    { pipeline: PIPELINE, version: 1, 'execution-id': executionId, state },
    {
      id: randomUUID(),
      time: new Date().toISOString(),
      pipelineArn: `arn:aws:codepipeline:${REGION}:${ACCOUNT}:${PIPELINE}`,
      startTime: new Date().toISOString(),
    },
  );
  return event as unknown as EventBridgeEvent<string, Record<string, unknown>>;
}

describe('the commit status function on AWS (moto)', () => {
  const dynamodb = new DynamoDBClient(motoClientConfig());
  const table = uniqueName('sluice-statuses');
  const store = new DynamoDbExecutionStore(DynamoDBDocumentClient.from(dynamodb), table);
  const secretsManager = new SecretsManagerClient(motoClientConfig());
  const saved = { ...process.env };
  const executionId = randomUUID();
  let github: FakeGitHub;

  const secret = async (value: string) =>
    (await secretsManager.send(new CreateSecretCommand({ Name: uniqueName('sluice/statuses/github-token'), SecretString: value }))).ARN!;

  /** The function, loaded afresh with a token secret holding `token`, as in a new container. */
  async function commitStatusFunction(token: string) {
    process.env[ENVIRONMENT_VARIABLES.gitHubTokenSecretArn] = await secret(token);
    let loaded: typeof import('../../functions/events/commit-status') | undefined;
    jest.isolateModules(() => {
      loaded = require('../../functions/events/commit-status');
    });
    return loaded!.handler;
  }

  beforeAll(async () => {
    github = await startFakeGitHub(TOKEN);
    await ensureExecutionTable(dynamodb, table);
    const started = new Date().toISOString();
    await store.createExecution({
      pipelineName: PIPELINE,
      pipelineVersion: 1,
      pipelineExecutionId: executionId,
      status: 'InProgress',
      startTime: started,
      lastUpdateTime: started,
      trigger: { triggerType: 'WebhookV2', triggerDetail: webhookTriggerDetail('GitHub', REPOSITORY, COMMIT, randomUUID()) },
      variables: {},
    });
    Object.assign(process.env, {
      AWS_REGION: REGION,
      AWS_ENDPOINT_URL: motoEndpoint(),
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      [ENVIRONMENT_VARIABLES.tableName]: table,
      [ENVIRONMENT_VARIABLES.idempotencyTableName]: uniqueName('sluice-idempotency'),
      [ENVIRONMENT_VARIABLES.artifactBucket]: 'sluice-artifacts',
      [ENVIRONMENT_VARIABLES.eventBusName]: 'sluice-statuses',
      [ENVIRONMENT_VARIABLES.approvalTopicArn]: `arn:aws:sns:${REGION}:${ACCOUNT}:sluice-approvals`,
      [ENVIRONMENT_VARIABLES.publicUrl]: 'https://sluice.example.com/',
      [ENVIRONMENT_VARIABLES.pipelineArnPrefix]: `arn:aws:codepipeline:${REGION}:${ACCOUNT}:`,
      [ENVIRONMENT_VARIABLES.gitHubApiUrl]: github.apiUrl,
      [ENGINE_VARIABLES.roleArn]: `arn:aws:iam::${ACCOUNT}:role/sluice-states`,
      [ENGINE_VARIABLES.namePrefix]: 'sluice-statuses-',
      // Powertools' logger writes to the global console, where the test reads its warnings.
      POWERTOOLS_DEV: 'true',
    });
  });

  afterAll(async () => {
    process.env = saved;
    dynamodb.destroy();
    secretsManager.destroy();
    await github.close();
  });

  beforeEach(() => {
    github.statuses.length = 0;
  });

  it('reports a webhook execution to GitHub with the token from Secrets Manager, linking to the execution in the console', async () => {
    const handler = await commitStatusFunction(TOKEN);

    await handler(executionEvent(executionId, 'STARTED'), context);
    await handler(executionEvent(executionId, 'SUCCEEDED'), context);

    const executionArn = `arn:aws:states:${REGION}:${ACCOUNT}:execution:sluice-statuses-${PIPELINE}:${executionId}`;
    expect(github.statuses).toEqual([
      expect.objectContaining({
        repository: REPOSITORY,
        sha: COMMIT,
        authorization: `Bearer ${TOKEN}`,
        body: expect.objectContaining({ state: 'pending', context: `sluice/${PIPELINE}` }),
      }),
      expect.objectContaining({ body: expect.objectContaining({ state: 'success', context: `sluice/${PIPELINE}` }) }),
    ]);
    expect(github.statuses[0]!.body.target_url).toBe(
      `https://${REGION}.console.aws.amazon.com/states/home?region=${REGION}#/v2/executions/details/${executionArn}`,
    );
  });

  it('logs one warning, and reports nothing, while the token secret holds its placeholder', async () => {
    const handler = await commitStatusFunction(SECRET_PLACEHOLDER);
    const warnings: string[] = [];
    const warn = jest.spyOn(console, 'warn').mockImplementation((line: string) => void warnings.push(line));
    try {
      await handler(executionEvent(executionId, 'STARTED'), context);
    } finally {
      warn.mockRestore();
    }

    expect(github.statuses).toEqual([]);
    expect(warnings).toEqual([expect.stringContaining('No GitHub token is configured')]);
    expect(warnings[0]).toContain('aws secretsmanager put-secret-value --secret-id');
  });
});
