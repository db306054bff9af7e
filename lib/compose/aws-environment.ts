import type { HostFamily } from '../core/connection-hosts';
import type { AccessDeniedOptions } from '../adapters/aws/access-denied';
import type { StepFunctionsEngineOptions } from '../adapters/aws/step-functions-engine';

/*
 * The environment that serverless.yml gives the functions, read once per Lambda container. Every
 * function's composition starts here, so this module imports no SDK client: each function's bundle
 * holds only the clients that its own composition builds.
 */

/** What serverless.yml tells every function, and the variable each value comes in. */
export const ENVIRONMENT_VARIABLES = {
  tableName: 'TABLE_NAME',
  idempotencyTableName: 'IDEMPOTENCY_TABLE_NAME',
  artifactBucket: 'ARTIFACT_BUCKET',
  eventBusName: 'EVENT_BUS_NAME',
  approvalTopicArn: 'APPROVAL_TOPIC_ARN',
  /** The HTTP API's base URL, which approval links point into. */
  publicUrl: 'PUBLIC_URL',
  /** `arn:<partition>:codepipeline:<region>:<account>:`, which a pipeline's name completes. */
  pipelineArnPrefix: 'PIPELINE_ARN_PREFIX',
  /** The secret with the GitHub token that commit statuses and GitHub sources use. */
  gitHubTokenSecretArn: 'GITHUB_TOKEN_SECRET_ARN',
  /** `https://api.github.com`, or GitHub Enterprise's `https://<host>/api/v3`. */
  gitHubApiUrl: 'GITHUB_API_URL',
} as const;

/**
 * What serverless.yml tells only the functions that start executions on Step Functions or link to
 * them: the state machines' role (whose ARN gives their account) and name prefix.
 */
export const ENGINE_VARIABLES = {
  roleArn: 'STATE_MACHINE_ROLE_ARN',
  namePrefix: 'STATE_MACHINE_NAME_PREFIX',
} as const;

/**
 * What serverless.yml tells only the http function, whose `/api` registers pipelines at run time:
 * the log group of their state machines and the task functions they invoke. The CLI reads the
 * same from the stack's outputs (lib/compose/aws-cli.ts).
 */
export const PIPELINE_DEPLOY_VARIABLES = {
  logGroupArn: 'STATE_MACHINE_LOG_GROUP_ARN',
  stageStep: 'STAGE_STEP_FUNCTION_ARN',
  actionRunner: 'ACTION_RUNNER_FUNCTION_ARN',
  approvalRequest: 'APPROVAL_REQUEST_FUNCTION_ARN',
} as const;

/**
 * What serverless.yml tells every function of the other repository hosts: their token secrets, and
 * which host each connection reaches (JSON, the `connections` parameter). Without them, every
 * connection is GitHub's.
 */
export const HOST_VARIABLES = {
  bitbucketTokenSecretArn: 'BITBUCKET_TOKEN_SECRET_ARN',
  gitLabTokenSecretArn: 'GITLAB_TOKEN_SECRET_ARN',
  connections: 'CONNECTIONS',
} as const;

/** Set on the http function only: the secret each host's webhook deliveries are checked with. */
export const WEBHOOK_SECRET_VARIABLES: Record<HostFamily, string> = {
  GitHub: 'WEBHOOK_SECRET_ARN',
  Bitbucket: 'BITBUCKET_WEBHOOK_SECRET_ARN',
  GitLab: 'GITLAB_WEBHOOK_SECRET_ARN',
};

/** The stack's output that names each host's webhook secret. */
export const WEBHOOK_SECRET_OUTPUTS: Record<HostFamily, string> = {
  GitHub: 'WebhookSecretArn',
  Bitbucket: 'BitbucketWebhookSecretArn',
  GitLab: 'GitLabWebhookSecretArn',
};

/**
 * Set on the http function only: what the console page signs in with on AWS, the stack's Cognito
 * user pool (its issuer URL, which API Gateway's JWT authorizer trusts too), its hosted sign-in
 * domain, and the console's app client.
 */
export const CONSOLE_VARIABLES = {
  authority: 'CONSOLE_AUTHORITY',
  domain: 'CONSOLE_SIGN_IN_DOMAIN',
  clientId: 'CONSOLE_CLIENT_ID',
} as const;

/** Set on the action runner only: the stack's CodeBuild project that runs Commands actions. */
export const COMMANDS_PROJECT_VARIABLE = 'COMMANDS_PROJECT_NAME';

/**
 * Set on the job request function (approvalRequest) only, which starts Lambda invoke actions'
 * functions: the role whose sessions, narrowed to one job's artifacts, the job's event hands the
 * function.
 */
export const ARTIFACT_ACCESS_ROLE_VARIABLE = 'ARTIFACT_ACCESS_ROLE_ARN';

/** Set per function: its own role, which AccessDenied messages name. */
const ROLE_NAME_VARIABLE = 'EXECUTION_ROLE_NAME';

export type AwsEnvironment = Record<keyof typeof ENVIRONMENT_VARIABLES, string> & {
  /** Lambda sets it. */
  region: string;
  roleName?: string;
};

export function requiredVariable(name: string, setOn = 'every Sluice function'): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`The environment variable ${name} is not set. serverless.yml sets it on ${setOn}; a function deployed another way needs it too.`);
  }
  return value;
}

function readEnvironment(): AwsEnvironment {
  const fromServerless = Object.fromEntries(Object.entries(ENVIRONMENT_VARIABLES).map(([field, name]) => [field, requiredVariable(name)])) as Record<
    keyof typeof ENVIRONMENT_VARIABLES,
    string
  >;
  const roleName = process.env[ROLE_NAME_VARIABLE];
  return { ...fromServerless, region: requiredVariable('AWS_REGION'), ...(roleName ? { roleName } : {}) };
}

let environment: AwsEnvironment | undefined;

export const awsEnvironment = (): AwsEnvironment => (environment ??= readEnvironment());

/** The function's own role, for AccessDenied messages. */
export const functionRole = (): AccessDeniedOptions => (awsEnvironment().roleName ? { roleName: awsEnvironment().roleName } : {});

/** The state machines' role and name prefix, which only the functions that start executions or link to them are given. */
export function engineOptions(): StepFunctionsEngineOptions {
  const setOn = 'the functions that start executions';
  return { roleArn: requiredVariable(ENGINE_VARIABLES.roleArn, setOn), namePrefix: requiredVariable(ENGINE_VARIABLES.namePrefix, setOn), ...functionRole() };
}
