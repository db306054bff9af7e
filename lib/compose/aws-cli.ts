import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { describeStack, type DeployedStack } from '../adapters/aws/cloudformation-stack';
import type { FunctionArns } from '../core/compile';
import { BadInputError, NotFoundError, SluiceError, StackUnreadableError } from '../core/errors';
import type { PipelineOperations } from '../operations/pipeline-operations';
import type { SluiceApi } from '../operations/sluice-api';
import { commandLineCaller } from './callers';
import { createAwsClients, createAwsDependencies, createAwsOperations, type AwsClients, type AwsResources } from './aws';

/** What the CLI needs of a deployed stack: its resources, the role its state machines run as, and the functions they invoke. */
export interface AwsCliSettings extends AwsResources {
  stateMachineRoleArn: string;
  stateMachineLogGroupArn: string;
  functions: FunctionArns;
}

type FlatSettings = Omit<AwsCliSettings, 'functions' | 'roleName'> & FunctionArns;
type SettingKey = keyof FlatSettings;

/**
 * Each setting with the output of the `sluice-<stage>` stack that holds it (serverless.yml's
 * `resources.Outputs`), and the environment variable the CLI reads it from.
 */
export const AWS_CLI_SETTINGS: Record<SettingKey, { output: string; variable: string }> = {
  tableName: { output: 'ExecutionTableName', variable: 'SLUICE_TABLE_NAME' },
  artifactBucket: { output: 'ArtifactBucketName', variable: 'SLUICE_ARTIFACT_BUCKET' },
  eventBusName: { output: 'EventBusName', variable: 'SLUICE_EVENT_BUS_NAME' },
  approvalTopicArn: { output: 'ApprovalsTopicArn', variable: 'SLUICE_APPROVAL_TOPIC_ARN' },
  publicUrl: { output: 'HttpApiUrl', variable: 'SLUICE_PUBLIC_URL' },
  pipelineArnPrefix: { output: 'PipelineArnPrefix', variable: 'SLUICE_PIPELINE_ARN_PREFIX' },
  stateMachineRoleArn: { output: 'PipelineStateMachineRoleArn', variable: 'SLUICE_STATE_MACHINE_ROLE_ARN' },
  stateMachineLogGroupArn: { output: 'StateMachineLogGroupArn', variable: 'SLUICE_STATE_MACHINE_LOG_GROUP_ARN' },
  stageStep: { output: 'StageStepFunctionArn', variable: 'SLUICE_STAGE_STEP_FUNCTION_ARN' },
  actionRunner: { output: 'ActionRunnerFunctionArn', variable: 'SLUICE_ACTION_RUNNER_FUNCTION_ARN' },
  approvalRequest: { output: 'ApprovalRequestFunctionArn', variable: 'SLUICE_APPROVAL_REQUEST_FUNCTION_ARN' },
};

export interface AwsTarget {
  /** The stage the stack was deployed with: the stack is `sluice-<stage>`. */
  stage: string;
  /** Unset, the SDK's own: AWS_REGION, or the profile's. */
  region?: string;
}

/** The stack that serverless.yml deploys for a stage (`<service>-<stage>`). */
export const stackName = (stage: string) => `sluice-${stage}`;

const SETTINGS = Object.entries(AWS_CLI_SETTINGS) as [SettingKey, { output: string; variable: string }][];

/**
 * The deployed stack's settings. Each comes from its environment variable where that is set, which
 * overrides the stack; the others from the outputs of the stack `sluice-<stage>`, which is read
 * only when some variable is unset.
 */
export async function awsCliSettings(
  target: AwsTarget,
  cloudFormation: CloudFormationClient,
  environment: NodeJS.ProcessEnv = process.env,
): Promise<AwsCliSettings> {
  const values = new Map<SettingKey, string>();
  for (const [key, { variable }] of SETTINGS) if (environment[variable]) values.set(key, environment[variable]);
  if (values.size < SETTINGS.length) {
    const { name, region, status, outputs } = await deployedStack(target, cloudFormation);
    for (const [key, { output }] of SETTINGS) if (!values.has(key) && outputs[output]) values.set(key, outputs[output]);
    const missing = SETTINGS.filter(([key]) => !values.has(key));
    if (missing.length > 0) {
      throw new BadInputError(
        `The stack ${name} in ${region} (${status}) has no output ${missing.map(([, { output }]) => output).join(', ')}: an older Sluice deployed it. ` +
          `Redeploy it with npx osls deploy --stage ${target.stage} --region ${region}, or set ${missing.map(([, { variable }]) => variable).join(', ')}.`,
      );
    }
  }
  const value = (key: SettingKey) => values.get(key)!;
  return {
    tableName: value('tableName'),
    artifactBucket: value('artifactBucket'),
    eventBusName: value('eventBusName'),
    approvalTopicArn: value('approvalTopicArn'),
    publicUrl: value('publicUrl'),
    pipelineArnPrefix: value('pipelineArnPrefix'),
    stateMachineRoleArn: value('stateMachineRoleArn'),
    stateMachineLogGroupArn: value('stateMachineLogGroupArn'),
    functions: { stageStep: value('stageStep'), actionRunner: value('actionRunner'), approvalRequest: value('approvalRequest') },
  };
}

/** The stack of the target's stage, in the client's region; a stack that is not there says how to deploy it. */
async function deployedStack(target: AwsTarget, cloudFormation: CloudFormationClient) {
  const name = stackName(target.stage);
  const region = await cloudFormation.config.region().catch(() => undefined);
  if (!region) throw new BadInputError(`--target aws needs the region of the stack ${name}: give --region, or set AWS_REGION.`);
  let stack: DeployedStack | undefined;
  try {
    stack = await describeStack(cloudFormation, name);
  } catch (error) {
    // AccessDenied comes explained; anything else (no credentials, no network) is said with the stack it was for.
    if (error instanceof SluiceError) throw error;
    throw new StackUnreadableError(name, region, { cause: error });
  }
  if (!stack) {
    throw new NotFoundError(
      `There is no stack ${name} in ${region}. Deploy Sluice with npx osls deploy --stage ${target.stage} --region ${region}, or give the region it is in with --region.`,
    );
  }
  return { name, region, ...stack };
}

/** The API on a deployed stack, through the given clients. */
export function awsCliOperations(target: AwsTarget, settings: AwsCliSettings, clients: Omit<AwsClients, 'dynamodb' | 'secretsManager'>): PipelineOperations {
  return createAwsOperations(
    createAwsDependencies(settings, clients),
    clients.sfn,
    {
      roleArn: settings.stateMachineRoleArn,
      namePrefix: `sluice-${target.stage}-`,
      logGroupArn: settings.stateMachineLogGroupArn,
      functions: settings.functions,
    },
    { caller: commandLineCaller() },
  );
}

/** Gives a command the API of the stack on AWS, and closes its clients after. */
export async function withAwsApi<T>(target: AwsTarget, use: (api: SluiceApi) => Promise<T>): Promise<T> {
  const cloudFormation = new CloudFormationClient({ region: target.region });
  const clients = createAwsClients(target.region);
  try {
    return await use(awsCliOperations(target, await awsCliSettings(target, cloudFormation), clients));
  } finally {
    cloudFormation.destroy();
    for (const client of Object.values(clients)) client.destroy();
  }
}
