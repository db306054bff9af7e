import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type SFNClient,
  StartExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { providerCatalog } from '../../lib/actions/registry';
import { StepFunctionsTaskCallbacks } from '../../lib/adapters/aws/step-functions-task-callbacks';
import { FUNCTION_PLACEHOLDERS, compilePipeline, type ExecutionInput, type FunctionArns } from '../../lib/core/compile';
import { ApprovalRejectedError } from '../../lib/core/errors';
import type { ActionStepResult } from '../../lib/core/task-payloads';
import { validatePipeline } from '../../lib/core/validate';
import { ACCOUNT, REGION, queueLambdaAnswers } from './support/moto-clients';
import { admitEntries, sfnInOwnAccount, waitingTasks } from './support/moto-executions';
import { reviewStage, s3SourceStage } from '../support/declarations';

const APPROVAL_STATE = 'Review / Approve';
const DEPLOY_STATE = 'Deploy / Publish';
const SOURCE_ARTIFACT = { bucketName: 'sluice-artifacts', objectKey: 'webapp/SourceOutput/abc123.zip' };

const FUNCTIONS: FunctionArns = {
  stageStep: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:sluice-stage-step`,
  actionRunner: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:sluice-action-runner`,
  approvalRequest: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:sluice-approval-request`,
};

function declaration() {
  const validation = validatePipeline(
    {
      name: 'webapp',
      version: 1,
      stages: [
        s3SourceStage(),
        reviewStage('Approve'),
        {
          name: 'Deploy',
          actions: [
            {
              name: 'Publish',
              actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'S3', version: '1' },
              configuration: { BucketName: 'webapp-site', Extract: 'true' },
              inputArtifacts: [{ name: 'SourceOutput' }],
            },
          ],
        },
      ],
    },
    providerCatalog,
  );
  if (!validation.ok) throw new Error(JSON.stringify(validation.problems));
  return validation.pipeline;
}

/** The compiled definition with its function placeholders filled in, as CloudFormation's DefinitionSubstitutions does. */
function deployableDefinition(): string {
  let text = JSON.stringify(compilePipeline(declaration(), providerCatalog).definition);
  for (const [role, placeholder] of Object.entries(FUNCTION_PLACEHOLDERS)) text = text.replaceAll(placeholder, FUNCTIONS[role as keyof FunctionArns]);
  return text;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function history(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

async function finished(sfn: SFNClient, executionArn: string) {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await sleep(100)) {
    await admitEntries(sfn, executionArn);
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (execution.status !== 'RUNNING') return execution;
  }
  throw new Error(`${executionArn} is still running.`);
}

interface WaitingExecution {
  sfn: SFNClient;
  executionArn: string;
  taskToken: string;
}

describe('a compiled pipeline on moto Step Functions', () => {
  const clients: SFNClient[] = [];
  afterAll(() => {
    for (const client of clients) client.destroy();
  });

  /** Creates the state machine and starts an execution, then waits until its approval waits on a task token. */
  async function startAndWaitForApproval(executionId: string): Promise<WaitingExecution> {
    const sfn = sfnInOwnAccount();
    clients.push(sfn);
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name: 'sluice-webapp',
        definition: deployableDefinition(),
        roleArn: `arn:aws:iam::${ACCOUNT}:role/sluice`,
        type: 'STANDARD',
      }),
    );
    // moto's Lambda runs no code: it echoes each payload back unless an answer is queued. The
    // stage steps ignore their answer (ResultPath null), but the source action must return its
    // artifacts, which the actions after it read.
    const sourceResult: ActionStepResult = { artifacts: [SOURCE_ARTIFACT], variables: {} };
    await queueLambdaAnswers([{}, sourceResult]);
    const input: ExecutionInput = { pipeline: { name: 'webapp', version: 1, executionId, variables: {} }, actions: {} };
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, name: executionId, input: JSON.stringify(input) }));

    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await sleep(100)) {
      await admitEntries(sfn, executionArn!);
      // The token is in the payload the approval Task invoked the approval-request function with.
      const waiting = (await waitingTasks(sfn, executionArn!)).find((payload) => payload.step === 'requestApproval');
      if (waiting) {
        expect(waiting).toMatchObject({ stage: 'Review' });
        return { sfn, executionArn: executionArn!, taskToken: waiting.taskToken };
      }
      const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (status !== 'RUNNING')
        throw new Error(`The execution ended ${status} before its approval: ${JSON.stringify(await history(sfn, executionArn!), null, 1)}`);
    }
    throw new Error('The execution never reached its approval.');
  }

  it('waits on the approval task token, and an approval resumes it to the end', async () => {
    const { sfn, executionArn, taskToken } = await startAndWaitForApproval('approved');
    expect(taskToken).toEqual(expect.any(String));
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');

    await new StepFunctionsTaskCallbacks(sfn).succeed(taskToken, { status: 'Approved', summary: 'Approved by alice' });

    expect((await finished(sfn, executionArn)).status).toBe('SUCCEEDED');
    const events = await history(sfn, executionArn);
    const exited = events.filter((event) => event.type === 'TaskStateExited').map((event) => event.stateExitedEventDetails?.name);
    expect(exited).toEqual(expect.arrayContaining([APPROVAL_STATE, DEPLOY_STATE, 'Deploy (exit)']));
    // The source's artifact travels past the approval to the deploy action.
    const deploy = events.find((event) => event.type === 'TaskScheduled' && event.taskScheduledEventDetails?.parameters?.includes('"Publish"'));
    expect(JSON.parse(deploy!.taskScheduledEventDetails!.parameters!).Payload.inputArtifacts).toEqual([{ name: 'SourceOutput', location: SOURCE_ARTIFACT }]);
  });

  it('fails the execution when the approval is rejected', async () => {
    const { sfn, executionArn, taskToken } = await startAndWaitForApproval('rejected');

    await new StepFunctionsTaskCallbacks(sfn).fail(taskToken, new ApprovalRejectedError('no'));

    expect(await finished(sfn, executionArn)).toMatchObject({ status: 'FAILED', error: 'Sluice.PipelineFailed' });
    const events = await history(sfn, executionArn);
    // moto's SendTaskFailure drops the cause (its handler reads only the error); AWS keeps both.
    expect(events.find((event) => event.type === 'TaskFailed')?.taskFailedEventDetails).toMatchObject({ error: 'Sluice.ApprovalRejected' });
    expect(events.some((event) => event.stateEnteredEventDetails?.name === 'Review (failed)')).toBe(true);
    expect(events.some((event) => event.stateEnteredEventDetails?.name === DEPLOY_STATE)).toBe(false);
  });
});
