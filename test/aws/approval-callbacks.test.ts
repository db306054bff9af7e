import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { CreateStateMachineCommand, GetExecutionHistoryCommand, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ensureExecutionTable } from '../../lib/adapters/aws/execution-table';
import { StepFunctionsTaskCallbacks } from '../../lib/adapters/aws/step-functions-task-callbacks';
import { handleApprovalRequest } from '../../lib/api/approval-routes';
import { createAwsDependencies } from '../../lib/compose/aws';
import type { PipelineDeclaration } from '../../lib/core/declaration';
import { decideByLink, requestApproval, type ApprovalDependencies } from '../../lib/execution/approvals';
import { startExecution } from '../../lib/execution/start-execution';
import { TaskNotWaitingError } from '../../lib/core/errors';
import { s3SourceStage } from '../support/declarations';
import { approvalRequestPayload } from '../support/task-payloads';
import { refusingStepFunctions } from '../support/refusing-step-functions';
import { ACCOUNT, motoClientConfig, motoResources, uniqueName } from './support/moto-clients';
import { endStatus, sfnInOwnAccount, waitingForApproval } from './support/moto-executions';

/**
 * A region no other test file runs executions in: moto's Docker-less Lambda answers the approval
 * Task's invocation from a queue per region, which other files fill for their own executions.
 */
const REGION = 'ap-southeast-2';

const review = { name: 'Review', actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' } } as const;
const pipeline: PipelineDeclaration = {
  name: 'gated',
  stages: [s3SourceStage({ bucket: 'sources', key: 'app.zip', output: 'Src' }), { name: 'Gate', actions: [review] }],
};

/** The approval Task as the compiler writes it, alone, with the timeout a test gives it. */
function approvalMachine(timeoutSeconds: number): string {
  return JSON.stringify({
    StartAt: 'Gate / Review',
    States: {
      'Gate / Review': {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: {
          FunctionName: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:sluice-approval-request`,
          Payload: { step: 'requestApproval', 'taskToken.$': '$$.Task.Token' },
        },
        TimeoutSeconds: timeoutSeconds,
        End: true,
      },
    },
  });
}

describe('approval decisions against Step Functions on moto', () => {
  const config = { ...motoClientConfig(), region: REGION };
  const dynamodb = new DynamoDBClient(config);
  const eventBridge = new EventBridgeClient(config);
  const table = uniqueName('sluice-executions');
  const busName = uniqueName('sluice-events');
  const clients: SFNClient[] = [];

  beforeAll(async () => {
    await ensureExecutionTable(dynamodb, table);
    await eventBridge.send(new CreateEventBusCommand({ Name: busName }));
  });

  afterAll(() => {
    for (const client of [dynamodb, eventBridge, ...clients]) client.destroy();
  });

  /** An execution whose approval Task waits on its token, and Sluice's records of that approval. */
  async function waitingApproval(timeoutSeconds: number) {
    const sfn = sfnInOwnAccount(REGION);
    clients.push(sfn);
    const deps: ApprovalDependencies = {
      ...createAwsDependencies(motoResources(REGION, table, busName), {
        documents: DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } }),
        s3: new S3Client(config),
        eventBridge,
        sfn,
        sns: new SNSClient(config),
      }),
      notifyApprovers: undefined,
    };
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name: 'sluice-gated',
        definition: approvalMachine(timeoutSeconds),
        roleArn: `arn:aws:iam::${ACCOUNT}:role/sluice`,
        type: 'STANDARD',
      }),
    );
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, input: '{}' }));
    const taskToken = await waitingForApproval(sfn, executionArn!);

    const input = await startExecution(deps, { pipeline, version: 1, trigger: { triggerType: 'StartPipelineExecution', triggerDetail: 'moto' } });
    const payload = approvalRequestPayload(input.pipeline, 'Gate', review, taskToken);
    const approval = await requestApproval(deps, payload);
    return { sfn, deps, executionArn: executionArn!, executionId: input.pipeline.executionId, approval };
  }

  it('answers 410 and records the approval expired when its Task timed out first, and a repeat says the same', async () => {
    const { sfn, deps, executionArn, executionId, approval } = await waitingApproval(1);
    expect(await endStatus(sfn, executionArn)).toBe('FAILED');

    const body = new URLSearchParams({ nonce: approval.nonce, decision: 'approve', approver: 'Ada' }).toString();
    const post = () => handleApprovalRequest(deps, { method: 'POST', path: `/approvals/${approval.approvalId}`, query: {}, headers: {}, body });
    const answer = await post();

    expect(answer?.status).toBe(410);
    expect(answer?.body).toContain('Approval expired');
    expect(await deps.approvals.getApproval(approval.approvalId)).toMatchObject({ status: 'Expired', decision: { status: 'Expired' } });
    const [action] = await deps.store.listActions(executionId);
    expect(action).toMatchObject({ status: 'Failed', errorDetails: { code: 'Sluice.ApprovalExpired', message: 'expired' } });
    expect((await post())?.status).toBe(410);
  });

  it('lets only one of two approvers at once call back: the Task succeeds once, and the other is told it is decided', async () => {
    const { sfn, deps, executionArn, executionId, approval } = await waitingApproval(300);

    const outcomes = await Promise.all(
      ['Ada', 'Bob'].map((approver) => decideByLink(deps, approval.approvalId, approval.nonce, { status: 'Approved', approver })),
    );

    expect(outcomes.map((outcome) => outcome.kind).sort()).toEqual(['already', 'decided']);
    const winner = outcomes.find((outcome) => outcome.kind === 'decided');
    expect(await endStatus(sfn, executionArn)).toBe('SUCCEEDED');
    const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(events.filter((event) => event.type === 'TaskSucceeded')).toHaveLength(1);
    const recorded = await deps.approvals.getApproval(approval.approvalId);
    expect(recorded).toMatchObject({ status: 'Approved', decision: { approver: winner?.kind === 'decided' ? winner.record.decision!.approver : undefined } });
    const [action] = await deps.store.listActions(executionId);
    expect(action?.status).toBe('Succeeded');

    // The token is used up: Step Functions refuses it now, which the adapter reports as a Task no longer waiting.
    await expect(new StepFunctionsTaskCallbacks(sfn).succeed(recorded!.taskToken, {})).rejects.toBeInstanceOf(TaskNotWaitingError);
  });

  it('puts the approval back to Pending when Step Functions refuses the callback for another reason, so that a second try decides', async () => {
    const { sfn, deps, executionArn, approval } = await waitingApproval(300);
    const throttling = await refusingStepFunctions('ThrottlingException');
    try {
      const first = decideByLink({ ...deps, callbacks: new StepFunctionsTaskCallbacks(throttling.client) }, approval.approvalId, approval.nonce, {
        status: 'Approved',
        approver: 'Ada',
      });
      await expect(first).rejects.toMatchObject({ name: 'ThrottlingException' });
      const reopened = await deps.approvals.getApproval(approval.approvalId);
      expect(reopened?.status).toBe('Pending');
      expect(reopened?.decision).toBeUndefined();
    } finally {
      throttling.close();
    }

    const second = await decideByLink(deps, approval.approvalId, approval.nonce, { status: 'Approved', approver: 'Ada' });
    expect(second.kind).toBe('decided');
    expect(await endStatus(sfn, executionArn)).toBe('SUCCEEDED');
  });
});
