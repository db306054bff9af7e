import { StepFunctionsEngine } from '../adapters/aws/step-functions-engine';
import type { FunctionArns } from '../core/compile';
import { BadInputError } from '../core/errors';
import { AwsPipelineOperations } from '../operations/aws-pipeline-operations';
import type { StoppableSluiceApi } from '../operations/sluice-api';
import { createAwsClients, createAwsDependencies, type AwsClients, type AwsResources } from './aws';

/** What the CLI needs of a deployed stack: its resources, the role its state machines run as, and the functions they invoke. */
export interface AwsCliSettings extends AwsResources {
  stateMachineRoleArn: string;
  stateMachineLogGroupArn: string;
  functions: FunctionArns;
}

type FlatSettings = Omit<AwsCliSettings, 'functions' | 'roleName'> & FunctionArns;

/**
 * Each setting with the output of the `sluice-<stage>` stack that holds it (serverless.yml's
 * `resources.Outputs`), and the environment variable the CLI reads it from.
 */
export const AWS_CLI_SETTINGS: Record<keyof FlatSettings, { output: string; variable: string }> = {
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

/**
 * The settings from the environment. Reading them from the stack's outputs needs
 * @aws-sdk/client-cloudformation, which is not a dependency yet; until it is, the error names the
 * outputs to copy into the variables.
 */
export function awsCliSettings(target: AwsTarget, environment: NodeJS.ProcessEnv = process.env): AwsCliSettings {
  const entries = Object.entries(AWS_CLI_SETTINGS) as [keyof FlatSettings, { output: string; variable: string }][];
  const missing = entries.filter(([, { variable }]) => !environment[variable]);
  if (missing.length > 0) {
    const lines = missing.map(([, { output, variable }]) => `  ${variable}: the output ${output}`).join('\n');
    throw new BadInputError(
      `--target aws needs these environment variables, from the outputs of the stack sluice-${target.stage}:\n${lines}\n` +
        `aws cloudformation describe-stacks --stack-name sluice-${target.stage} --query 'Stacks[0].Outputs' lists them.`,
    );
  }
  const value = (key: keyof FlatSettings) => environment[AWS_CLI_SETTINGS[key].variable]!;
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

/**
 * The API on a deployed stack, through the given clients. State machines get the logging and
 * tracing that serverless.yml gives the shipped ones.
 */
export function awsCliOperations(target: AwsTarget, settings: AwsCliSettings, clients: Omit<AwsClients, 'dynamodb'>): AwsPipelineOperations {
  const engine = new StepFunctionsEngine(clients.sfn, {
    roleArn: settings.stateMachineRoleArn,
    namePrefix: `sluice-${target.stage}-`,
    loggingConfiguration: { level: 'ERROR', includeExecutionData: false, destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: settings.stateMachineLogGroupArn } }] },
    tracingConfiguration: { enabled: true },
  });
  return new AwsPipelineOperations(createAwsDependencies(settings, clients), engine, settings.functions);
}

/** Gives a command the API of the stack on AWS, and closes its clients after. */
export async function withAwsApi<T>(target: AwsTarget, use: (api: StoppableSluiceApi) => Promise<T>): Promise<T> {
  const settings = awsCliSettings(target);
  const clients = createAwsClients(target.region);
  try {
    return await use(awsCliOperations(target, settings, clients));
  } finally {
    for (const client of Object.values(clients)) client.destroy();
  }
}
