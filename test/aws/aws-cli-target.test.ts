import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbExecutionStore } from '../../lib/adapters/aws/dynamodb-execution-store';
import { ensureExecutionTable } from '../../lib/adapters/aws/execution-table';
import { main } from '../../lib/cli/main';
import { AWS_CLI_SETTINGS, awsCliSettings, stackName } from '../../lib/compose/aws-cli';
import type { PipelineDeclaration } from '../../lib/core/declaration';
import { NotFoundError } from '../../lib/core/errors';
import { s3SourceStage } from '../support/declarations';
import { ACCOUNT, REGION, motoClientConfig, motoEndpoint, uniqueName } from './support/moto-clients';

const PIPELINE_ARN_PREFIX = `arn:aws:codepipeline:${REGION}:${ACCOUNT}:`;

/**
 * A stack with the outputs that serverless.yml's stack has, as constant strings, and one resource
 * that does nothing, since CloudFormation wants one.
 */
function templateWithOutputs(values: Record<string, string>): string {
  return JSON.stringify({
    Resources: { Placeholder: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
    Outputs: Object.fromEntries(Object.entries(values).map(([name, value]) => [name, { Value: value }])),
  });
}

describe('sluice --target aws on the outputs of the stack sluice-<stage> (moto)', () => {
  const cloudFormation = new CloudFormationClient(motoClientConfig());
  const dynamodb = new DynamoDBClient(motoClientConfig());
  const stage = uniqueName('cli');
  const table = uniqueName('sluice-cli');
  /** Each output, with a value that says which it is; the table and the ARN prefix are real. */
  const outputs: Record<string, string> = {
    ...Object.fromEntries(Object.values(AWS_CLI_SETTINGS).map(({ output }) => [output, `value of ${output}`])),
    [AWS_CLI_SETTINGS.tableName.output]: table,
    [AWS_CLI_SETTINGS.pipelineArnPrefix.output]: PIPELINE_ARN_PREFIX,
  };

  beforeAll(async () => {
    await cloudFormation.send(new CreateStackCommand({ StackName: stackName(stage), TemplateBody: templateWithOutputs(outputs) }));
    await ensureExecutionTable(dynamodb, table);
  });
  afterAll(() => {
    cloudFormation.destroy();
    dynamodb.destroy();
  });

  it('reads every setting from the outputs, with an environment variable overriding its output', async () => {
    const settings = await awsCliSettings({ stage }, cloudFormation, { SLUICE_EVENT_BUS_NAME: 'from-the-environment' });
    expect(settings).toEqual({
      tableName: table,
      artifactBucket: 'value of ArtifactBucketName',
      eventBusName: 'from-the-environment',
      approvalTopicArn: 'value of ApprovalsTopicArn',
      publicUrl: 'value of HttpApiUrl',
      pipelineArnPrefix: PIPELINE_ARN_PREFIX,
      stateMachineRoleArn: 'value of PipelineStateMachineRoleArn',
      stateMachineLogGroupArn: 'value of StateMachineLogGroupArn',
      functions: {
        stageStep: 'value of StageStepFunctionArn',
        actionRunner: 'value of ActionRunnerFunctionArn',
        approvalRequest: 'value of ApprovalRequestFunctionArn',
      },
    });
  });

  it('names the stack, its region and the deploy command when the stage has no stack', async () => {
    const missing = uniqueName('nostack');
    const read = awsCliSettings({ stage: missing }, cloudFormation, {});
    await expect(read).rejects.toBeInstanceOf(NotFoundError);
    await expect(read).rejects.toThrow(
      `There is no stack sluice-${missing} in ${REGION}. Deploy Sluice with npx osls deploy --stage ${missing} --region ${REGION}`,
    );
  });

  it('lists the outputs that a stack of an older Sluice lacks', async () => {
    const older = uniqueName('older');
    const { [AWS_CLI_SETTINGS.stageStep.output]: _stageStep, ...fewer } = outputs;
    await cloudFormation.send(new CreateStackCommand({ StackName: stackName(older), TemplateBody: templateWithOutputs(fewer) }));
    await expect(awsCliSettings({ stage: older }, cloudFormation, {})).rejects.toThrow(
      `has no output StageStepFunctionArn: an older Sluice deployed it. Redeploy it with npx osls deploy --stage ${older}`,
    );
  });

  describe('sluice get-pipeline', () => {
    const saved = { ...process.env };
    afterAll(() => {
      process.env = saved;
    });

    it("prints the pipeline's ARN in the stack's account and region", async () => {
      const name = uniqueName('webapp');
      const declaration: PipelineDeclaration = {
        name,
        version: 1,
        stages: [
          s3SourceStage({ bucket: 'b', key: 'k.zip', output: 'Src' }),
          { name: 'Review', actions: [{ name: 'Approve', actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' } }] },
        ],
      };
      const store = new DynamoDbExecutionStore(DynamoDBDocumentClient.from(dynamodb), table);
      await store.putPipelineVersion({ name, version: 1, declaration, created: '2025-01-01T00:00:00.000Z' });
      // The CLI builds its clients as a user's shell would have them: from the environment.
      Object.assign(process.env, { AWS_ENDPOINT_URL: motoEndpoint(), AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
      const printed: string[] = [];
      const log = jest.spyOn(console, 'log').mockImplementation((line: string) => void printed.push(line));
      let code: number;
      try {
        code = await main(['get-pipeline', name, '--target', 'aws', '--stage', stage, '--region', REGION, '--json']);
      } finally {
        log.mockRestore();
      }

      expect(code).toBe(0);
      expect(JSON.parse(printed.join('\n'))).toEqual({
        pipeline: declaration,
        metadata: { pipelineArn: `${PIPELINE_ARN_PREFIX}${name}`, created: '2025-01-01T00:00:00.000Z' },
      });
    });
  });
});
