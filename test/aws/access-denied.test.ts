import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { explainAccessDenied } from '../../lib/adapters/aws/access-denied';
import { AccessDeniedError, ApprovalRejectedError } from '../../lib/core/errors';
import { DynamoDbApprovalStore } from '../../lib/adapters/aws/dynamodb-approval-store';
import { DynamoDbExecutionStore } from '../../lib/adapters/aws/dynamodb-execution-store';
import { EventBridgeBus } from '../../lib/adapters/aws/eventbridge-bus';
import { S3BlobStore } from '../../lib/adapters/aws/s3-blob-store';
import { SnsApprovalNotifier } from '../../lib/adapters/aws/sns-approval-notifier';
import { StepFunctionsEngine } from '../../lib/adapters/aws/step-functions-engine';
import { StepFunctionsTaskCallbacks } from '../../lib/adapters/aws/step-functions-task-callbacks';
import { DETAIL_TYPES, pipelineEvent } from '../../lib/core/events';
import { ACCOUNT, REGION } from './support/moto-clients';
import { assumeMotoRole, motoQuery } from './support/moto-iam';
import { startMotoServer, stopMotoServer, type MotoServer } from './support/moto-server';

const ROLE = 'sluice-action-runner';

/**
 * A moto_server that enforces IAM after its first two requests, which create a role with no
 * policy and assume it, as a Lambda function does with its execution role. Every call with the
 * role's credentials is then denied, as AWS denies a call that no policy allows.
 */
async function deniedRole(): Promise<{ server: MotoServer; config: object }> {
  const server = await startMotoServer({ INITIAL_NO_AUTH_ACTION_COUNT: '2' });
  await motoQuery(server.endpoint, 'iam', { Action: 'CreateRole', Version: '2010-05-08', RoleName: ROLE, AssumeRolePolicyDocument: '{}' });
  const credentials = await assumeMotoRole(server.endpoint, `arn:aws:iam::${ACCOUNT}:role/${ROLE}`, 'sluice-prod-actionRunner');
  return { server, config: { endpoint: server.endpoint, region: REGION, credentials, maxAttempts: 1 } };
}

async function rejection(call: Promise<unknown>): Promise<AccessDeniedError> {
  const error = await call.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AccessDeniedError);
  expect((error as AccessDeniedError).name).toBe('Sluice.AccessDenied');
  return error as AccessDeniedError;
}

describe('AccessDenied answers, explained', () => {
  let server: MotoServer;
  let config: object;

  beforeAll(async () => {
    ({ server, config } = await deniedRole());
  });
  afterAll(() => stopMotoServer(server));

  it('names the S3 action, the object and the role it was given', async () => {
    const blobs = new S3BlobStore(new S3Client({ ...config, forcePathStyle: true }), { roleName: ROLE });

    const error = await rejection(blobs.put({ bucketName: 'sluice-artifacts', objectKey: 'webapp/SourceOutput/abc.zip' }, 'zip'));

    expect(error.message).toContain(`${ROLE} may not call s3:PutObject on arn:aws:s3:::sluice-artifacts/webapp/SourceOutput/abc.zip`);
    expect(error.message).toContain('Allow "s3:PutObject" on "arn:aws:s3:::sluice-artifacts/webapp/SourceOutput/abc.zip"');
    await expect(blobs.get({ bucketName: 'sluice-artifacts', objectKey: 'webapp/SourceOutput/abc.zip' })).rejects.toThrow(/s3:GetObject .*s3:ListBucket/);
  });

  // moto answers an IAM denial of a JSON-protocol service (DynamoDB, EventBridge, Step Functions)
  // with a query-protocol XML body, which the SDK cannot parse; only the 403 tells these apart.
  it('names the DynamoDB action and the table, or its index', async () => {
    const documents = DynamoDBDocumentClient.from(new DynamoDBClient(config));
    const store = new DynamoDbExecutionStore(documents, 'sluice-executions', { roleName: ROLE });
    const approvals = new DynamoDbApprovalStore(documents, 'sluice-executions', { roleName: ROLE });

    const write = await rejection(store.putStage({ pipelineExecutionId: 'e1', stageName: 'Build', status: 'InProgress', startTime: 't', lastUpdateTime: 't' }));
    const query = await rejection(store.listExecutions('webapp'));
    const read = await rejection(approvals.getApproval('a1'));

    expect(write.message).toContain(`${ROLE} may not call dynamodb:PutItem on table/sluice-executions.`);
    expect(query.message).toContain(`${ROLE} may not call dynamodb:Query on table/sluice-executions/index/byPipeline.`);
    expect(read.message).toContain(`${ROLE} may not call dynamodb:GetItem on table/sluice-executions.`);
  });

  it('explains the denials of EventBridge and Step Functions, and what deploying a state machine needs', async () => {
    const event = pipelineEvent(
      DETAIL_TYPES.pipeline,
      { pipeline: 'webapp', version: 1, 'execution-id': 'e1', state: 'FAILED' },
      { id: 'e1-failed', time: '2025-01-01T00:00:00Z', pipelineArn: `arn:aws:codepipeline:${REGION}:${ACCOUNT}:webapp`, startTime: '2025-01-01T00:00:00Z' },
    );

    const published = await rejection(new EventBridgeBus(new EventBridgeClient(config), 'sluice-events', { roleName: ROLE }).publish(event));
    const resumed = await rejection(new StepFunctionsTaskCallbacks(new SFNClient(config), { roleName: ROLE }).fail('token', new ApprovalRejectedError('no')));

    const engine = new StepFunctionsEngine(new SFNClient(config), {
      roleArn: `arn:aws:iam::${ACCOUNT}:role/sluice-states`,
      namePrefix: 'sluice-prod-',
      roleName: ROLE,
    });
    const deployed = await rejection(
      engine.deployPipeline('webapp', { definition: { StartAt: 'Failed', States: { Failed: { Type: 'Fail', Error: 'E', Cause: 'C' } } }, tasks: {} }),
    );

    expect(published.message).toContain(`${ROLE} may not call events:PutEvents on event-bus/sluice-events.`);
    expect(resumed.message).toContain(`${ROLE} may not call states:SendTaskFailure on *.`);
    expect(deployed.message).toContain(
      `${ROLE} may not call states:UpdateStateMachine on arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:sluice-prod-webapp.`,
    );
    expect(deployed.message).toContain(`"iam:PassRole" on "arn:aws:iam::${ACCOUNT}:role/sluice-states"`);
  });

  it("reads the role from AWS's own message when the adapter was not told it", async () => {
    const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:sluice-approvals`;
    const approval = {
      notificationArn: topicArn,
      subject: 'Approval needed',
      pipelineExecutionId: 'execution-1',
      approval: {
        pipelineName: 'webapp',
        stageName: 'Review',
        actionName: 'Approve',
        token: 'approval-token',
        expires: '2025-01-08T00:00:00.000Z',
        approvalReviewLink: 'https://sluice.example.com/approvals/1',
      },
      text: 'Approval needed',
    };

    const notified = await rejection(new SnsApprovalNotifier(new SNSClient(config)).notify(approval));

    expect(notified.message).toContain(`${ROLE} may not call sns:Publish on ${topicArn}.`);
    expect(notified.message).toContain(`AWS said: User: arn:aws:sts::${ACCOUNT}:assumed-role/${ROLE}/`);
  });

  it('adds the link to the execution when the caller knows it', async () => {
    const blobs = new S3BlobStore(new S3Client({ ...config, forcePathStyle: true }), { roleName: ROLE });
    const executionUrl = 'https://sluice.example.com/#/pipelines/webapp/executions/e1';
    const location = { bucketName: 'sluice-artifacts', objectKey: 'webapp/BuildOutput/def.zip' };

    const denied = await rejection(blobs.put(location, 'zip'));
    const explained = explainAccessDenied(denied, { action: 'runAction', resource: 'Build/Compile', executionUrl });

    expect(explained.message).toContain('s3:PutObject on arn:aws:s3:::sluice-artifacts/webapp/BuildOutput/def.zip');
    expect(explained.message).toContain(`Execution: ${executionUrl}`);
  });
});
