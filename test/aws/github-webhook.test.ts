import { createHmac, randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import examples from '@octokit/webhooks-examples';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { providerCatalog } from '../../lib/actions/registry';
import { DynamoDbExecutionStore } from '../../lib/adapters/aws/dynamodb-execution-store';
import { ensureExecutionTable } from '../../lib/adapters/aws/execution-table';
import { SECRET_PLACEHOLDER } from '../../lib/adapters/aws/secrets-manager-secret';
import { WEBHOOK_SECRET_VARIABLES } from '../../lib/compose/aws-environment';
import type { PipelineDeclaration } from '../../lib/core/declaration';
import { validatePipeline } from '../../lib/core/validate';
import { httpApiEvent, httpFunctionEnvironment, invokeHttpFunction } from './support/http-function';
import { ACCOUNT, motoClientConfig, uniqueName } from './support/moto-clients';
import { registerOnStateMachine, STATE_MACHINE_ROLE } from './support/state-machine-pipelines';

/**
 * A region of its own: moto 5.2 runs one execution per account and region (test/aws/step-functions.test.ts
 * tells why), and the handler's clients, built from the environment as in Lambda, use moto's default account.
 */
const REGION = 'ap-southeast-2';
const STAGE = 'webhooks';
const REPOSITORY = 'sluice-test/app';
const COMMIT = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';

const config = { ...motoClientConfig(), region: REGION };
const dynamodb = new DynamoDBClient(config);
const store = (table: string) => new DynamoDbExecutionStore(DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } }), table);
const sfn = new SFNClient(config);
const secretsManager = new SecretsManagerClient(config);
const eventBridge = new EventBridgeClient(config);

/** A GitHub source on `branch` of the repository, then a Manual approval. */
function declaration(name: string, branch: string): PipelineDeclaration {
  const validation = validatePipeline(
    {
      name,
      stages: [
        {
          name: 'Source',
          actions: [
            {
              name: 'Checkout',
              actionTypeId: { category: 'Source', owner: 'AWS', provider: 'CodeStarSourceConnection', version: '1' },
              configuration: { ConnectionArn: `arn:aws:codeconnections:${REGION}:${ACCOUNT}:connection/abc`, FullRepositoryId: REPOSITORY, BranchName: branch },
              outputArtifacts: [{ name: 'Src' }],
            },
          ],
        },
        { name: 'Review', actions: [{ name: 'Approve', actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' } }] },
      ],
    },
    providerCatalog,
    { runtime: 'aws' },
  );
  if (!validation.ok) throw new Error(JSON.stringify(validation.problems));
  return validation.pipeline;
}

/** Registers the pipeline on a state machine of its own. */
const register = (table: string, pipeline: PipelineDeclaration) =>
  registerOnStateMachine({ sfn, store: store(table) }, { region: REGION, stage: STAGE }, pipeline);

/** GitHub's example push to master, retold as a push of COMMIT to main of the repository. */
function pushPayload(): string {
  const example = (examples.find((definition) => definition.name === 'push')!.examples as Record<string, unknown>[]).find(
    (payload) => payload.ref === 'refs/heads/master',
  )!;
  return JSON.stringify({ ...example, ref: 'refs/heads/main', after: COMMIT, repository: { ...(example.repository as object), full_name: REPOSITORY } });
}

/** A delivery as API Gateway's HTTP API hands it to the http function. */
function delivery(body: string, signingKey: string): APIGatewayProxyEventV2 {
  return httpApiEvent('POST', '/webhooks/github', {
    body,
    headers: {
      'x-github-event': 'push',
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': `sha256=${createHmac('sha256', signingKey).update(body).digest('hex')}`,
    },
  });
}

describe('POST /webhooks/github on AWS (moto)', () => {
  const table = uniqueName('sluice-webhooks');
  const built = uniqueName('built');
  const elsewhere = uniqueName('elsewhere');
  const webhookSecret = randomUUID();
  let stateMachineArn: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    await ensureExecutionTable(dynamodb, table);
    const busName = uniqueName('sluice-webhooks-events');
    await eventBridge.send(new CreateEventBusCommand({ Name: busName }));
    const webhookSecretArn = (
      await secretsManager.send(new CreateSecretCommand({ Name: uniqueName('sluice/webhooks/github-webhook-secret'), SecretString: webhookSecret }))
    ).ARN!;
    const tokenSecretArn = (
      await secretsManager.send(new CreateSecretCommand({ Name: uniqueName('sluice/webhooks/github-token'), SecretString: SECRET_PLACEHOLDER }))
    ).ARN!;
    stateMachineArn = await register(table, declaration(built, 'main'));
    await register(table, declaration(elsewhere, 'release'));

    Object.assign(process.env, {
      ...httpFunctionEnvironment({
        region: REGION,
        stage: STAGE,
        table,
        eventBusName: busName,
        gitHubTokenSecretArn: tokenSecretArn,
        stateMachineRoleArn: STATE_MACHINE_ROLE,
      }),
      [WEBHOOK_SECRET_VARIABLES.GitHub]: webhookSecretArn,
    });
  });

  afterAll(() => {
    process.env = saved;
    for (const client of [dynamodb, sfn, secretsManager, eventBridge]) client.destroy();
  });

  const executions = async () => (await sfn.send(new ListExecutionsCommand({ stateMachineArn }))).executions ?? [];

  it('refuses a delivery signed with another secret, and starts nothing', async () => {
    const answer = await invokeHttpFunction(delivery(pushPayload(), 'not-the-secret'));

    expect(answer.status).toBe(401);
    expect(answer.body.message).toContain(
      "aws secretsmanager get-secret-value --query SecretString --output text --secret-id <the stack's WebhookSecretArn output>",
    );
    expect(await executions()).toEqual([]);
    expect(await store(table).listExecutions(built)).toEqual([]);
  });

  it('starts the matching pipeline on Step Functions, pinned to the pushed commit, for a push signed with the secret from Secrets Manager', async () => {
    const warnings: string[] = [];
    const answer = await invokeHttpFunction(delivery(pushPayload(), webhookSecret), warnings);

    expect(answer.status).toBe(202);
    const started = answer.body.started as { pipelineName: string; pipelineExecutionId: string }[];
    expect(started).toEqual([{ pipelineName: built, pipelineExecutionId: expect.any(String), sourceActionName: 'Checkout' }]);
    expect(answer.body.skipped).toEqual([{ pipelineName: elsewhere, reason: expect.stringContaining('branch main is not release') }]);

    const { pipelineExecutionId } = started[0]!;
    const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${pipelineExecutionId}`;
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).name).toBe(pipelineExecutionId);
    expect((await executions()).map((execution) => execution.executionArn)).toEqual([executionArn]);
    expect(await store(table).getExecution(pipelineExecutionId)).toMatchObject({
      status: 'InProgress',
      trigger: { triggerType: 'WebhookV2', triggerDetail: expect.stringContaining(`${REPOSITORY}@${COMMIT}`) },
      sourceRevisions: [{ actionName: 'Checkout', revisionType: 'COMMIT_ID', revisionValue: COMMIT }],
      engineExecutionArn: executionArn,
    });
    // The skipped pipeline's status needs the token, which the secret does not hold yet.
    expect(warnings).toEqual([expect.stringContaining(`${REPOSITORY}@${COMMIT}/${elsewhere}): No GitHub token is configured`)]);
  });
});
