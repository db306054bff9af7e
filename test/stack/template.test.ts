import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LAMBDA_REPLY_TIMEOUT_SECONDS, lambdaInvoke } from '../../lib/actions/lambda-invoke';
import { EXECUTION_TABLE_KEYS } from '../../lib/adapters/aws/execution-table';
import { SECRET_PLACEHOLDER } from '../../lib/adapters/aws/secrets-manager-secret';
import {
  ARTIFACT_ACCESS_ROLE_VARIABLE,
  COMMANDS_PROJECT_VARIABLE,
  CONSOLE_VARIABLES,
  ENGINE_VARIABLES,
  ENVIRONMENT_VARIABLES,
  HOST_VARIABLES,
  PIPELINE_DEPLOY_VARIABLES,
  WEBHOOK_SECRET_VARIABLES,
} from '../../lib/compose/aws-environment';
import { AWS_CLI_SETTINGS } from '../../lib/compose/aws-cli';
import { CONSOLE_SCOPES } from '../../lib/compose/aws-console';
import { ARTIFACT_SESSION_MAX_SECONDS } from '../../lib/core/artifact-session-policy';
import { FUNCTION_PLACEHOLDERS } from '../../lib/core/compile';
import { parseConnections } from '../../lib/core/connection-hosts';
import { TASK_FUNCTIONS as FUNCTION_OF_STEP } from '../../lib/core/task-functions';
import { UNSUCCESSFUL_ENDS } from '../../lib/core/engine-run-end';
import { matchesEventPattern, type EventPattern } from '../../lib/core/event-pattern';
import { DETAIL_TYPES, EVENT_SOURCE } from '../../lib/core/events';
import { CODECOMMIT_STATE_CHANGE, ECR_IMAGE_ACTION, S3_OBJECT_CREATED } from '../../lib/core/source-change';
import { COMMIT_STATUS_EVENT_PATTERN } from '../../lib/execution/commit-statuses';
import type { StackPipelineProperties } from '../../lib/operations/stack-pipelines';
import {
  asList,
  identityStatements,
  packageStackWithFunctions,
  referencedIds,
  resourceIdsOf,
  resourcesOfType,
  statementsOf,
  type Template,
} from '../support/cloudformation';
import { PIPELINES, ROOT, loadValid } from '../support/fixtures';
import { actionProviders } from '../../lib/actions/action-providers';

/** The secrets that hold the tokens of the repository hosts, one per host family. */
const TOKEN_SECRETS = ['GitHubTokenSecret', 'BitbucketTokenSecret', 'GitLabTokenSecret'];
/** The secret each host's webhook deliveries are checked with. */
const WEBHOOK_SECRETS = ['WebhookSecret', 'BitbucketWebhookSecret', 'GitLabWebhookSecret'];

/**
 * The only actions that may be granted on Resource "*", and why. serverless.yml says the same in
 * a comment above each such statement.
 */
const ACTIONS_ON_ANY_RESOURCE: Record<string, string> = {
  'xray:PutTraceSegments': 'X-Ray has no resource-level permissions',
  'xray:PutTelemetryRecords': 'X-Ray has no resource-level permissions',
  'xray:GetSamplingRules': 'X-Ray has no resource-level permissions',
  'xray:GetSamplingTargets': 'X-Ray has no resource-level permissions',
  'logs:CreateLogDelivery': 'CloudWatch Logs\' log delivery actions take Resource "*" only',
  'logs:GetLogDelivery': 'CloudWatch Logs\' log delivery actions take Resource "*" only',
  'logs:UpdateLogDelivery': 'CloudWatch Logs\' log delivery actions take Resource "*" only',
  'logs:DeleteLogDelivery': 'CloudWatch Logs\' log delivery actions take Resource "*" only',
  'logs:ListLogDeliveries': 'CloudWatch Logs\' log delivery actions take Resource "*" only',
  'logs:PutResourcePolicy': 'CloudWatch Logs\' log delivery actions take Resource "*" only',
  'logs:DescribeResourcePolicies': 'CloudWatch Logs\' log delivery actions take Resource "*" only',
  'logs:DescribeLogGroups': 'CloudWatch Logs\' log delivery actions take Resource "*" only',
  'states:SendTaskSuccess': 'the task token names the Task; the action takes no resource',
  'states:SendTaskFailure': 'the task token names the Task; the action takes no resource',
  'ecs:DescribeTaskDefinition': 'task definitions have no resource-level permissions for it',
  'ecs:RegisterTaskDefinition': 'task definitions have no resource-level permissions for it',
};

/** The functions the compiled definitions invoke, by the placeholder that stands for each. */
const TASK_FUNCTIONS: Record<string, string> = {
  StageStepFunctionArn: 'StageStepLambdaFunction',
  ActionRunnerFunctionArn: 'ActionRunnerLambdaFunction',
  ApprovalRequestFunctionArn: 'ApprovalRequestLambdaFunction',
};

/** The pipelines the stack ships, with their names. */
const SHIPPED = PIPELINES.map((file) => ({ file, name: loadValid(file).name }));

let template: Template;
/** The files in each function's zip, by function name. */
let functionFiles: Record<string, string[]>;

beforeAll(async () => {
  ({ template, functionFiles } = await packageStackWithFunctions());
}, 180_000);

const resource = (name: string) => {
  const found = template.Resources[name];
  if (!found) throw new Error(`The template has no resource ${name}.`);
  return found;
};

describe('IAM', () => {
  it('grants no "*" action, and no service wildcard in an Allow', () => {
    for (const { owner, statement } of identityStatements(template)) {
      for (const action of asList(statement.Action)) {
        expect({ owner, action }).not.toEqual({ owner, action: '*' });
        if (statement.Effect === 'Allow') expect({ owner, action, wildcard: action.includes('*') }).toEqual({ owner, action, wildcard: false });
      }
    }
  });

  it('grants Resource "*" only for the actions that cannot take a resource', () => {
    const onAnyResource = identityStatements(template).filter(({ statement }) => asList(statement.Resource).includes('*'));
    expect(onAnyResource.length).toBeGreaterThan(0);
    for (const { owner, statement } of onAnyResource) {
      for (const action of asList(statement.Action))
        expect({ owner, action, allowed: action in ACTIONS_ON_ANY_RESOURCE }).toEqual({ owner, action, allowed: true });
    }
  });

  it('explains every Resource "*" in serverless.yml with a comment above its statement', () => {
    const lines = readFileSync(path.join(ROOT, 'serverless.yml'), 'utf8').split('\n');
    const wildcards = lines.flatMap((line, index) => (/^\s*Resource: '\*'\s*$/.test(line) ? [index] : []));
    expect(wildcards.length).toBeGreaterThan(0);
    for (const index of wildcards) {
      let start = index;
      while (start > 0 && !/^\s*- Sid:/.test(lines[start]!)) start -= 1;
      expect({ statement: lines[start]!.trim(), commentAbove: lines[start - 1]!.trim().startsWith('#') }).toEqual({
        statement: lines[start]!.trim(),
        commentAbove: true,
      });
    }
  });

  it('gives each function a role of its own, with no managed policies', () => {
    const functions = resourcesOfType(template, 'AWS::Lambda::Function');
    const roles = functions.map(([, fn]) => referencedIds(fn.Properties!.Role)[0]);
    expect(new Set(roles).size).toBe(functions.length);
    expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
    for (const [name, role] of resourcesOfType(template, 'AWS::IAM::Role')) {
      expect({ name, managed: role.Properties!.ManagedPolicyArns }).toEqual({ name, managed: undefined });
    }
  });

  it('lets each function write only to its own log group', () => {
    const writes = (action: string) => action === 'logs:CreateLogStream' || action === 'logs:PutLogEvents';
    for (const [name, fn] of resourcesOfType(template, 'AWS::Lambda::Function')) {
      const role = referencedIds(fn.Properties!.Role)[0]!;
      const logging = identityStatements(template).filter(({ owner, statement }) => owner === role && asList(statement.Action).some(writes));
      expect(logging.map(({ statement }) => referencedIds(statement.Resource))).toEqual([[name.replace(/LambdaFunction$/, 'LogGroup')]]);
    }
  });

  it("lets the state machines invoke exactly the three task functions, and only the action runner, the job request and the HTTP API invoke others: a LambdaInvoke rule's, a Lambda invoke action's (the HTTP API's for a continuation)", () => {
    const invoke = identityStatements(template).filter(({ statement }) => asList(statement.Action).includes('lambda:InvokeFunction'));
    expect(invoke.map(({ owner }) => owner).sort()).toEqual(['ActionRunnerRole', 'ApprovalRequestRole', 'HttpRole', 'PipelineStateMachineRole']);
    const machines = invoke.find(({ owner }) => owner === 'PipelineStateMachineRole')!;
    expect(asList(machines.statement.Resource).flatMap(referencedIds).sort()).toEqual(Object.values(TASK_FUNCTIONS).sort());
    const rules = invoke.find(({ owner }) => owner === 'ActionRunnerRole')!;
    expect(rules.statement).toMatchObject({ Sid: 'InvokeRuleFunctions', Action: 'lambda:InvokeFunction' });
    expect(JSON.stringify(rules.statement.Resource)).toContain(':function:*');
  });

  it.each(['ApprovalRequestRole', 'HttpRole'])("grants %s the Lambda invoke provider's statements, which start an action's function with its job", (role) => {
    const statements = statementsOf(template, role);
    for (const { actions, resources } of lambdaInvoke.spec.iam!) {
      const granting = statements.filter((statement) => actions.every((action) => asList(statement.Action).includes(action)));
      expect(granting.map((statement) => asList(statement.Resource))).toContainEqual(resources.map((arn) => ({ 'Fn::Sub': arn })));
    }
  });

  it('lets the state machines run CodeBuild builds and batch builds with .sync, through their managed rules', () => {
    const role = resourcesOfType(template, 'AWS::StepFunctions::StateMachine').map(([, machine]) => referencedIds(machine.Properties!.RoleArn)[0]);
    const statements = identityStatements(template)
      .filter(({ owner }) => role.includes(owner))
      .map(({ statement }) => statement);
    const actions = statements.flatMap((statement) => asList(statement.Action));
    expect(actions).toEqual(
      expect.arrayContaining([
        'codebuild:StartBuild',
        'codebuild:StopBuild',
        'codebuild:BatchGetBuilds',
        'codebuild:StartBuildBatch',
        'codebuild:StopBuildBatch',
        'codebuild:BatchGetBuildBatches',
        'events:PutTargets',
        'events:PutRule',
        'events:DescribeRule',
      ]),
    );
    const batch = statements.find((statement) => asList(statement.Action).includes('codebuild:StartBuildBatch'))!;
    expect(asList(batch.Action)).toEqual(expect.arrayContaining(['codebuild:StopBuildBatch', 'codebuild:BatchGetBuildBatches']));
    expect(JSON.stringify(batch.Resource)).toContain(':project/*');
    const rule = statements.find((statement) => asList(statement.Action).includes('events:PutRule'))!;
    expect(asList(rule.Action)).toEqual(expect.arrayContaining(['events:PutTargets', 'events:DescribeRule']));
    const rules = JSON.stringify(rule.Resource);
    expect(rules).toContain(':rule/StepFunctionsGetEventForCodeBuildStartBuildRule');
    expect(rules).toContain(':rule/StepFunctionsGetEventForCodeBuildStartBuildBatchRule');
  });

  it("lets the action runner read the builds and batch builds of the account's projects, and only read them", () => {
    const runner = referencedIds(
      resourcesOfType(template, 'AWS::Lambda::Function').find(([name]) => name === 'ActionRunnerLambdaFunction')![1].Properties!.Role,
    )[0];
    const codebuild = statementsOf(template, runner!).filter((statement) => asList(statement.Action).some((action) => action.startsWith('codebuild:')));
    expect(codebuild.flatMap((statement) => asList(statement.Action))).toEqual(['codebuild:BatchGetBuilds', 'codebuild:BatchGetBuildBatches']);
    expect(JSON.stringify(codebuild[0]!.Resource)).toContain(':project/*');
  });
});

describe('the Commands project', () => {
  it('is a CodeBuild project on a standard Linux image, whose builds bring their own source, buildspec and artifacts, run 60 minutes by default, and log to a group of its own', () => {
    expect(resource('CommandsProject')).toMatchObject({
      Type: 'AWS::CodeBuild::Project',
      Properties: {
        Name: 'sluice-ci-commands',
        ServiceRole: { 'Fn::GetAtt': ['CommandsBuildRole', 'Arn'] },
        Source: { Type: 'NO_SOURCE' },
        Artifacts: { Type: 'NO_ARTIFACTS' },
        Environment: { Type: 'LINUX_CONTAINER', Image: 'aws/codebuild/amazonlinux-x86_64-standard:5.0' },
        TimeoutInMinutes: 60,
        LogsConfig: { CloudWatchLogs: { Status: 'ENABLED', GroupName: { Ref: 'CommandsLogGroup' } } },
      },
    });
    expect(resource('CommandsLogGroup').Type).toBe('AWS::Logs::LogGroup');
  });

  it('is named to the action runner, which starts its builds, as COMMANDS_PROJECT_NAME', () => {
    expect(resource('ActionRunnerLambdaFunction').Properties!.Environment.Variables[COMMANDS_PROJECT_VARIABLE]).toEqual({ Ref: 'CommandsProject' });
  });

  it('runs its builds as CommandsBuildRole, which CodeBuild alone assumes, and which writes its own logs and the artifacts and touches nothing else of the stack', () => {
    expect(resource('CommandsBuildRole').Properties!.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({ Effect: 'Allow', Principal: { Service: 'codebuild.amazonaws.com' }, Action: 'sts:AssumeRole' }),
    ]);
    const statements = statementsOf(template, 'CommandsBuildRole');
    const services = new Set(statements.flatMap((statement) => asList(statement.Action).map((action) => action.split(':')[0])));
    expect([...services].sort()).toEqual(['kms', 'logs', 's3', 'secretsmanager']);
    const logs = statements.filter((statement) => asList(statement.Action).some((action) => action.startsWith('logs:')));
    expect(logs.map((statement) => referencedIds(statement.Resource))).toEqual([['CommandsLogGroup']]);
    const objects = statements.find(
      (statement) => asList(statement.Action).includes('s3:PutObject') && referencedIds(statement.Resource).includes('ArtifactBucket'),
    );
    expect(asList(objects!.Action).sort()).toEqual(['s3:AbortMultipartUpload', 's3:GetObject', 's3:GetObjectVersion', 's3:PutObject']);
  });

  it('lets the state machines start, stop and read its builds', () => {
    const codebuild = statementsOf(template, 'PipelineStateMachineRole').find((statement) => asList(statement.Action).includes('codebuild:StartBuild'))!;
    expect(asList(codebuild.Action).sort()).toEqual(expect.arrayContaining(['codebuild:BatchGetBuilds', 'codebuild:StartBuild', 'codebuild:StopBuild']));
    // Any project of the account and region, the Commands project among them.
    expect(codebuild.Resource).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:codebuild:${AWS::Region}:${AWS::AccountId}:project/*' });
  });
});

describe('IAM for the providers that call AWS', () => {
  const runnerStatements = () => {
    const role = referencedIds(
      resourcesOfType(template, 'AWS::Lambda::Function').find(([name]) => name === 'ActionRunnerLambdaFunction')![1].Properties!.Role,
    )[0]!;
    return statementsOf(template, role).filter((statement) => statement.Effect === 'Allow');
  };
  /** A statement's resources as serverless.yml writes them: plain ARNs, or the text of their !Sub. */
  const resourceTexts = (resource: unknown): string[] =>
    asList(resource).map((entry: unknown) => (typeof entry === 'string' ? entry : ((entry as { 'Fn::Sub'?: string })['Fn::Sub'] ?? JSON.stringify(entry))));

  it("lets the action runner assume an action's roleArn, and the job request function the artifact access role, and no other function assume a role", () => {
    const assume = identityStatements(template).filter(({ statement }) => asList(statement.Action).includes('sts:AssumeRole'));
    expect(assume.map(({ owner, statement }) => ({ owner, actions: asList(statement.Action), resource: statement.Resource }))).toEqual([
      { owner: 'ActionRunnerRole', actions: ['sts:AssumeRole'], resource: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::*:role/*' } },
      { owner: 'JobRequestArtifactAccess', actions: ['sts:AssumeRole'], resource: { 'Fn::GetAtt': ['ArtifactAccessRole', 'Arn'] } },
    ]);
    expect(resource('JobRequestArtifactAccess').Properties!.Roles).toEqual([{ Ref: 'ApprovalRequestRole' }, { Ref: 'HttpRole' }]);
  });

  it('grants the action runner every statement that a provider which calls AWS declares, and every such provider declares some', () => {
    const callers = actionProviders.filter(({ spec }) => (spec.awsServices?.length ?? 0) > 0);
    expect(callers.filter(({ spec }) => !spec.iam?.length).map(({ spec }) => spec.provider)).toEqual([]);
    const granted = runnerStatements();
    const missing = callers.flatMap(({ spec }) =>
      (spec.iam ?? []).flatMap((wanted) =>
        wanted.actions.flatMap((action) =>
          wanted.resources
            .filter(
              (resource) => !granted.some((statement) => asList(statement.Action).includes(action) && resourceTexts(statement.Resource).includes(resource)),
            )
            .map((resource) => `${spec.provider}: ${action} on ${resource}`),
        ),
      ),
    );
    expect(missing).toEqual([]);
  });
});

describe("the artifact access role, whose sessions are Lambda invoke actions' artifactCredentials", () => {
  it("is trusted by the roles of the functions that start Lambda invoke actions' functions alone: the job request function, and the HTTP API's for a continuation", () => {
    expect(resource('ArtifactAccessRole').Properties!.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { AWS: [{ 'Fn::GetAtt': ['ApprovalRequestRole', 'Arn'] }, { 'Fn::GetAtt': ['HttpRole', 'Arn'] }] },
        Action: 'sts:AssumeRole',
      },
    ]);
  });

  it('reads and writes the objects of the artifact bucket and of the declared artifact stores, with their keys through S3, and nothing else', () => {
    expect(statementsOf(template, 'ArtifactAccessRole')).toEqual([
      {
        Sid: 'ReadAndWriteArtifacts',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject'],
        Resource: { 'Fn::Sub': '${ArtifactBucket.Arn}/*' },
      },
      {
        Sid: 'ReadAndWriteArtifactStores',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject'],
        Resource: { 'Fn::Split': [',', { 'Fn::Join': ['', [{ 'Fn::Join': ['/*,', { Ref: 'ArtifactStoreBucketArns' }] }, '/*']] }] },
      },
      {
        Sid: 'EncryptedArtifacts',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:kms:*:${AWS::AccountId}:key/*' },
        Condition: { StringLike: { 'kms:ViaService': { 'Fn::Sub': 's3.*.${AWS::URLSuffix}' } } },
      },
    ]);
  });

  it("lasts as long as the job request function asks for a session, which covers a Lambda invoke action's reply time", () => {
    expect(resource('ArtifactAccessRole').Properties!.MaxSessionDuration).toBe(ARTIFACT_SESSION_MAX_SECONDS);
    expect(ARTIFACT_SESSION_MAX_SECONDS).toBeGreaterThanOrEqual(LAMBDA_REPLY_TIMEOUT_SECONDS);
  });

  it("is named to the functions that start Lambda invoke actions' functions, and to no other function, as ARTIFACT_ACCESS_ROLE_ARN", () => {
    const told = resourcesOfType(template, 'AWS::Lambda::Function').filter(([, fn]) => ARTIFACT_ACCESS_ROLE_VARIABLE in fn.Properties!.Environment.Variables);
    // The role's ARN, built from its name: a reference to the role would make the stack's roles depend on each other in a circle.
    const roleName = (resource('ArtifactAccessRole').Properties!.RoleName as { 'Fn::Sub': string })['Fn::Sub'];
    const roleArn = { 'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/${roleName}` };
    expect(roleName).toBe('sluice-ci-${AWS::Region}-artifact-access');
    expect(told.map(([name, fn]) => [name, fn.Properties!.Environment.Variables[ARTIFACT_ACCESS_ROLE_VARIABLE]])).toEqual([
      ['ApprovalRequestLambdaFunction', roleArn],
      ['HttpLambdaFunction', roleArn],
    ]);
  });
});

describe('IAM for what pipelines name at run time', () => {
  const inAccountAndRegion = (service: string, resourcePart: string) => ({
    'Fn::Sub': `arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:${resourcePart}`,
  });
  const viaService = (service: string) => ({ StringEquals: { 'kms:ViaService': { 'Fn::Sub': `${service}.\${AWS::Region}.\${AWS::URLSuffix}` } } });

  it("lets the approval function publish to the approvals topic and to a Manual approval's own NotificationArn in the stack's account and region", () => {
    const publish = identityStatements(template).filter(({ statement }) => asList(statement.Action).includes('sns:Publish'));
    expect(publish.map(({ owner, statement }) => ({ owner, effect: statement.Effect, resource: statement.Resource }))).toEqual([
      { owner: 'ApprovalRequestRole', effect: 'Allow', resource: { Ref: 'ApprovalsTopic' } },
      { owner: 'ApprovalRequestRole', effect: 'Allow', resource: inAccountAndRegion('sns', '*') },
    ]);
  });

  it('lets the functions and the Commands builds that read and write artifacts and logs use customer managed keys, through S3 only, and the approval function through SNS only', () => {
    const kms = identityStatements(template).filter(({ statement }) => asList(statement.Action).some((action) => action.startsWith('kms:')));
    expect(
      kms.map(({ owner, statement }) => ({ owner, actions: asList(statement.Action).sort(), resource: statement.Resource, condition: statement.Condition })),
    ).toEqual([
      { owner: 'ActionRunnerRole', actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resource: inAccountAndRegion('kms', 'key/*'), condition: viaService('s3') },
      // The stores of cross-region actions: keys of the account in any region, through S3 of that region.
      {
        owner: 'ActionRunnerRole',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resource: { 'Fn::Sub': 'arn:${AWS::Partition}:kms:*:${AWS::AccountId}:key/*' },
        condition: { StringLike: { 'kms:ViaService': { 'Fn::Sub': 's3.*.${AWS::URLSuffix}' } } },
      },
      {
        owner: 'ArtifactAccessRole',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resource: { 'Fn::Sub': 'arn:${AWS::Partition}:kms:*:${AWS::AccountId}:key/*' },
        condition: { StringLike: { 'kms:ViaService': { 'Fn::Sub': 's3.*.${AWS::URLSuffix}' } } },
      },
      {
        owner: 'CommandsBuildRole',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resource: inAccountAndRegion('kms', 'key/*'),
        condition: viaService('s3'),
      },
      {
        owner: 'ApprovalRequestRole',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resource: inAccountAndRegion('kms', 'key/*'),
        condition: viaService('sns'),
      },
      { owner: 'HttpRole', actions: ['kms:Decrypt'], resource: inAccountAndRegion('kms', 'key/*'), condition: viaService('s3') },
      { owner: 'SourcePollRole', actions: ['kms:Decrypt'], resource: inAccountAndRegion('kms', 'key/*'), condition: viaService('s3') },
    ]);
  });

  it('lets the action runner, the artifact access role and the Commands builds read and write, and the http function read, the buckets that pipelines declare as their artifact store, when some are given', () => {
    const storeObjects = { 'Fn::Split': [',', { 'Fn::Join': ['', [{ 'Fn::Join': ['/*,', { Ref: 'ArtifactStoreBucketArns' }] }, '/*']] }] };
    const grants = identityStatements(template)
      .filter(({ statement }) => referencedIds(statement.Resource).includes('ArtifactStoreBucketArns'))
      .map(({ owner, statement }) => ({ owner, sid: statement.Sid, actions: asList(statement.Action).sort(), resource: statement.Resource }));
    expect(grants).toEqual([
      { owner: 'ActionRunnerRole', sid: 'ListArtifactStores', actions: ['s3:ListBucket'], resource: { Ref: 'ArtifactStoreBucketArns' } },
      {
        owner: 'ActionRunnerRole',
        sid: 'ReadAndWriteArtifactStores',
        actions: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
        resource: storeObjects,
      },
      {
        owner: 'ArtifactAccessRole',
        sid: 'ReadAndWriteArtifactStores',
        actions: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject'],
        resource: storeObjects,
      },
      {
        owner: 'CommandsBuildRole',
        sid: 'ListArtifactStores',
        actions: ['s3:GetBucketAcl', 's3:GetBucketLocation', 's3:ListBucket'],
        resource: { Ref: 'ArtifactStoreBucketArns' },
      },
      {
        owner: 'CommandsBuildRole',
        sid: 'ReadAndWriteArtifactStores',
        actions: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:GetObjectVersion', 's3:PutObject'],
        resource: storeObjects,
      },
      { owner: 'HttpRole', sid: 'ListArtifactStores', actions: ['s3:ListBucket'], resource: { Ref: 'ArtifactStoreBucketArns' } },
      { owner: 'HttpRole', sid: 'ReadArtifactStoreArtifactsAndLogs', actions: ['s3:GetObject'], resource: storeObjects },
    ]);
    // Each grant stands only when the parameter names a bucket.
    const conditioned = resourcesOfType(template, 'AWS::IAM::Role').flatMap(([, role]) =>
      (role.Properties!.Policies as { PolicyDocument: { Statement: { 'Fn::If'?: [string, { Sid?: string }, unknown] }[] } }[]).flatMap((policy) =>
        policy.PolicyDocument.Statement.flatMap((entry) => (entry['Fn::If']?.[0] === 'HasArtifactStoreBuckets' ? [entry['Fn::If'][1].Sid] : [])),
      ),
    );
    expect(conditioned.sort()).toEqual(grants.map((grant) => grant.sid).sort());
    expect(template.Conditions?.HasArtifactStoreBuckets).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [{ 'Fn::Join': ['', { Ref: 'ArtifactStoreBucketArns' }] }, ''] }],
    });
  });

  it('gives the KMS permissions to every role that reads or writes objects in the artifact bucket', () => {
    const objectRoles = new Set(
      identityStatements(template)
        .filter(({ statement }) => asList(statement.Action).some((action) => action === 's3:GetObject' || action === 's3:PutObject'))
        .map(({ owner }) => owner),
    );
    const kmsRoles = new Set(
      identityStatements(template)
        .filter(({ statement }) => asList(statement.Action).includes('kms:Decrypt'))
        .map(({ owner }) => owner),
    );
    expect([...objectRoles].filter((role) => !kmsRoles.has(role))).toEqual([]);
  });
});

describe('lost deliveries', () => {
  const rules = () => resourcesOfType(template, 'AWS::Events::Rule');
  const queueArn = { 'Fn::GetAtt': ['FailedDeliveriesQueue', 'Arn'] };

  /**
   * The functions that something invokes asynchronously: EventBridge rules (their targets, and the
   * permissions that let events.amazonaws.com, sns.amazonaws.com or s3.amazonaws.com invoke
   * them) and CloudFormation custom resources (their ServiceToken).
   */
  const asyncFunctions = () => {
    const functions = new Set(resourcesOfType(template, 'AWS::Lambda::Function').map(([name]) => name));
    const named = [
      ...rules().flatMap(([, rule]) => (rule.Properties!.Targets as { Arn: unknown }[]).flatMap((target) => referencedIds(target.Arn))),
      ...resourcesOfType(template, 'AWS::Lambda::Permission')
        .filter(([, permission]) => ['events.amazonaws.com', 'sns.amazonaws.com', 's3.amazonaws.com'].includes(permission.Properties!.Principal))
        .flatMap(([, permission]) => referencedIds(permission.Properties!.FunctionName)),
      ...Object.values(template.Resources)
        .filter((entry) => entry.Type.startsWith('Custom::') || entry.Type === 'AWS::CloudFormation::CustomResource')
        .flatMap((entry) => referencedIds(entry.Properties!.ServiceToken)),
    ];
    return [...new Set(named.filter((name) => functions.has(name)))].sort();
  };

  it('gives every target of every rule the dead-letter queue', () => {
    expect(rules().length).toBeGreaterThan(0);
    for (const [name, rule] of rules()) {
      for (const target of rule.Properties!.Targets as { Id: string; DeadLetterConfig?: { Arn: unknown } }[]) {
        expect({ rule: name, target: target.Id, deadLetter: target.DeadLetterConfig?.Arn }).toEqual({ rule: name, target: target.Id, deadLetter: queueArn });
      }
    }
  });

  it('lets EventBridge send to the queue as exactly the rules that use it, and nothing else send there but the functions', () => {
    const statements = resource('FailedDeliveriesQueuePolicy').Properties!.PolicyDocument.Statement as {
      Principal: unknown;
      Action: unknown;
      Resource: unknown;
      Condition: { ArnEquals: { 'aws:SourceArn': unknown[] } };
    }[];
    expect(referencedIds(resource('FailedDeliveriesQueuePolicy').Properties!.Queues)).toEqual(['FailedDeliveriesQueue']);
    expect(statements).toHaveLength(1);
    const [statement] = statements;
    expect(statement).toMatchObject({ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: queueArn });
    expect(statement!.Condition.ArnEquals['aws:SourceArn'].flatMap(referencedIds).sort()).toEqual(
      rules()
        .map(([name]) => name)
        .sort(),
    );
  });

  it('gives every function invoked asynchronously the queue as its on-failure destination, and its role the right to send there', () => {
    const functions = asyncFunctions();
    expect(functions).toEqual(
      expect.arrayContaining([
        'EventRecorderLambdaFunction',
        'CommitStatusLambdaFunction',
        'SourceTriggerLambdaFunction',
        'SourcePollLambdaFunction',
        'PipelineRegistrationLambdaFunction',
      ]),
    );
    const configs = resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig');
    for (const name of functions) {
      const config = configs.filter(([, entry]) => referencedIds(entry.Properties!.FunctionName).includes(name)).map(([, entry]) => entry.Properties!);
      expect({
        name,
        onFailure: config.map((entry) => entry.DestinationConfig?.OnFailure?.Destination),
        qualifier: config.map((entry) => entry.Qualifier),
      }).toEqual({ name, onFailure: [queueArn], qualifier: ['$LATEST'] });
      const role = referencedIds(resource(name).Properties!.Role)[0];
      const sends = identityStatements(template).filter(({ owner, statement }) => owner === role && asList(statement.Action).includes('sqs:SendMessage'));
      expect({ name, role, sendsTo: sends.map(({ statement }) => statement.Resource) }).toEqual({ name, role, sendsTo: [queueArn] });
    }
  });

  it('keeps lost deliveries 14 days, encrypted, mails the alerts topic when any is waiting, and names the queue in the outputs', () => {
    expect(resource('FailedDeliveriesQueue').Properties).toEqual({ MessageRetentionPeriod: 1209600, SqsManagedSseEnabled: true });
    const alarm = resource('FailedDeliveriesAlarm').Properties!;
    expect(alarm).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(alarm.Dimensions.flatMap((dimension: { Value: unknown }) => referencedIds(dimension.Value))).toEqual(['FailedDeliveriesQueue']);
    expect(alarm.AlarmActions).toEqual([{ Ref: 'AlertsTopic' }]);
    const fromAlarm = (resource('AlertsTopicPolicy').Properties!.PolicyDocument.Statement as { Principal: unknown; Condition: unknown }[]).filter((statement) =>
      JSON.stringify(statement.Principal).includes('cloudwatch.amazonaws.com'),
    );
    expect(fromAlarm.map((statement) => referencedIds(statement.Condition))).toEqual([['FailedDeliveriesAlarm']]);
    expect(referencedIds((template.Outputs?.FailedDeliveriesQueueUrl as { Value: unknown }).Value)).toEqual(['FailedDeliveriesQueue']);
  });
});

describe('the state machines', () => {
  const stateMachines = () => resourcesOfType(template, 'AWS::StepFunctions::StateMachine');
  const stateMachineOf = (pipelineName: string) => {
    const [found, ...others] = stateMachines().filter(([, machine]) => machine.Properties!.StateMachineName === `sluice-ci-${pipelineName}`);
    expect(others).toEqual([]);
    if (!found) throw new Error(`The template has no state machine sluice-ci-${pipelineName}.`);
    return found[1].Properties!;
  };

  it('are one for each pipeline in pipelines/, named sluice-<stage>-<name>', () => {
    expect(SHIPPED.length).toBeGreaterThan(0);
    expect(
      stateMachines()
        .map(([, machine]) => machine.Properties!.StateMachineName)
        .sort(),
    ).toEqual(SHIPPED.map(({ name }) => `sluice-ci-${name}`).sort());
  });

  it.each(SHIPPED)('deploy $file exactly as compiled into statemachines/, with the function ARNs substituted', ({ name }) => {
    const text = readFileSync(path.join(ROOT, 'statemachines', `${name}.asl.json`), 'utf8');
    const machine = stateMachineOf(name);
    expect(machine.DefinitionString).toBe(text);
    const substitutions = machine.DefinitionSubstitutions as Record<string, unknown>;
    expect(Object.fromEntries(Object.entries(substitutions).map(([key, value]) => [key, referencedIds(value)]))).toEqual(
      Object.fromEntries(Object.entries(TASK_FUNCTIONS).map(([key, id]) => [key, [id]])),
    );
    expect(Object.values(FUNCTION_PLACEHOLDERS).sort()).toEqual(
      Object.keys(TASK_FUNCTIONS)
        .map((key) => `\${${key}}`)
        .sort(),
    );
    const placeholders = [...text.matchAll(/\$\{([^}]+)\}/g)].map((match) => match[1]!);
    expect(placeholders.length).toBeGreaterThan(0);
    expect(placeholders.filter((name) => !(name in substitutions))).toEqual([]);
  });

  it.each(SHIPPED)('keep the CodePipeline variables of $file as they are, outside any Fn::Sub', ({ file, name }) => {
    const references = [...readFileSync(path.join(ROOT, file), 'utf8').matchAll(/#\{[^}]+\}/g)].map((match) => match[0]);
    expect(references.length).toBeGreaterThan(0);
    const text = stateMachineOf(name).DefinitionString as string;
    expect(references.filter((reference) => !text.includes(reference))).toEqual([]);
  });

  it('log to the state machine log group and trace with X-Ray', () => {
    for (const [name, machine] of stateMachines()) {
      const destinations = machine.Properties!.LoggingConfiguration.Destinations as { CloudWatchLogsLogGroup: { LogGroupArn: unknown } }[];
      const groups = destinations.flatMap((destination) => referencedIds(destination.CloudWatchLogsLogGroup.LogGroupArn));
      expect({ name, groups }).toEqual({ name, groups: ['StateMachineLogGroup'] });
      expect(resource('StateMachineLogGroup').Type).toBe('AWS::Logs::LogGroup');
      expect({ name, tracing: machine.Properties!.TracingConfiguration }).toEqual({ name, tracing: { Enabled: true } });
      expect(machine.Properties!.StateMachineType).toBe('STANDARD');
    }
  });
});

describe('the registration of the pipelines in pipelines/', () => {
  /** What the registration function reads of its resource, besides CloudFormation's own ServiceToken and ServiceTimeout. */
  const PROPERTIES: Record<keyof StackPipelineProperties, true> = { File: true, Declaration: true, StateMachineArn: true, VersionArn: true };
  const stateMachineIdOf = (pipelineName: string) =>
    resourcesOfType(template, 'AWS::StepFunctions::StateMachine').find(
      ([, machine]) => machine.Properties!.StateMachineName === `sluice-ci-${pipelineName}`,
    )![0];
  const registrations = () => resourcesOfType(template, 'Custom::SluicePipeline');
  const registrationOf = (pipelineName: string) => {
    const found = registrations().filter(([, registration]) => JSON.parse(registration.Properties!.Declaration).name === pipelineName);
    expect(found).toHaveLength(1);
    return found[0]![1].Properties!;
  };

  it('publish one version of each state machine, on each change of it, kept when a change replaces it', () => {
    const versions = resourcesOfType(template, 'AWS::StepFunctions::StateMachineVersion');
    expect(versions).toHaveLength(SHIPPED.length);
    for (const { name } of SHIPPED) {
      const id = stateMachineIdOf(name);
      const found = versions.filter(([, version]) => referencedIds(version.Properties!.StateMachineArn)[0] === id);
      expect({ name, versions: found.length }).toEqual({ name, versions: 1 });
      const [, version] = found[0]!;
      expect(version.Properties).toEqual({ StateMachineArn: { Ref: id }, StateMachineRevisionId: { 'Fn::GetAtt': [id, 'StateMachineRevisionId'] } });
      expect(version).toMatchObject({ UpdateReplacePolicy: 'Retain', DeletionPolicy: 'Delete' });
    }
  });

  it.each(SHIPPED)('register $file with its declaration, its state machine and the version just published', ({ file, name }) => {
    expect(registrations()).toHaveLength(SHIPPED.length);
    const properties = registrationOf(name);
    const id = stateMachineIdOf(name);
    const [versionId] = resourcesOfType(template, 'AWS::StepFunctions::StateMachineVersion').find(
      ([, version]) => referencedIds(version.Properties!.StateMachineArn)[0] === id,
    )!;
    expect(Object.keys(properties).sort()).toEqual(['ServiceTimeout', 'ServiceToken', ...Object.keys(PROPERTIES)].sort());
    expect(properties.ServiceToken).toEqual({ 'Fn::GetAtt': ['PipelineRegistrationLambdaFunction', 'Arn'] });
    // Less than CloudFormation's default hour of waiting for an answer that never comes.
    expect(properties.ServiceTimeout).toBeLessThan(3600);
    expect(properties).toMatchObject({ File: file, StateMachineArn: { Ref: id }, VersionArn: { Ref: versionId } });
    expect(JSON.parse(properties.Declaration)).toEqual(JSON.parse(JSON.stringify(loadValid(file))));
  });

  it('run the registration once per request: CloudFormation invokes it asynchronously, and a retry would record a version twice', () => {
    const configs = resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig').filter(([, config]) =>
      referencedIds(config.Properties!.FunctionName).includes('PipelineRegistrationLambdaFunction'),
    );
    expect(configs.map(([, config]) => config.Properties!.MaximumRetryAttempts)).toEqual([0]);
  });

  it("let the registration function read, record and delete the execution table's items, and prune the versions of this stage's state machines", () => {
    const statements = statementsOf(template, 'PipelineRegistrationRole');
    const scope = Object.fromEntries(statements.flatMap((statement) => asList(statement.Action).map((action) => [action, asList(statement.Resource)])));
    expect(scope).toEqual({
      'dynamodb:Query': [{ 'Fn::GetAtt': ['ExecutionTable', 'Arn'] }],
      'dynamodb:PutItem': [{ 'Fn::GetAtt': ['ExecutionTable', 'Arn'] }],
      'dynamodb:DeleteItem': [{ 'Fn::GetAtt': ['ExecutionTable', 'Arn'] }],
      'logs:CreateLogStream': [{ 'Fn::GetAtt': ['PipelineRegistrationLogGroup', 'Arn'] }],
      'logs:PutLogEvents': [{ 'Fn::GetAtt': ['PipelineRegistrationLogGroup', 'Arn'] }],
      'xray:PutTraceSegments': ['*'],
      'xray:PutTelemetryRecords': ['*'],
      'sqs:SendMessage': [{ 'Fn::GetAtt': ['FailedDeliveriesQueue', 'Arn'] }],
      ...Object.fromEntries(
        ['states:ListStateMachineVersions', 'states:ListExecutions', 'states:DeleteStateMachineVersion'].map((action) => [
          action,
          [{ 'Fn::Sub': 'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:sluice-ci-*' }],
        ]),
      ),
    });
    expect(referencedIds(resource('PipelineRegistrationLambdaFunction').Properties!.Role)).toEqual(['PipelineRegistrationRole']);
  });
});

describe('DynamoDB', () => {
  it('keys the execution table as the adapter expects', () => {
    const { AttributeDefinitions, KeySchema, GlobalSecondaryIndexes } = resource('ExecutionTable').Properties!;
    expect({ AttributeDefinitions, KeySchema, GlobalSecondaryIndexes }).toEqual(EXECUTION_TABLE_KEYS);
  });

  it('bills per request, with point-in-time recovery and TTL on every table', () => {
    const tables = resourcesOfType(template, 'AWS::DynamoDB::Table');
    expect(tables.map(([name]) => name).sort()).toEqual(['ExecutionTable', 'IdempotencyTable']);
    for (const [name, table] of tables) {
      const { BillingMode, PointInTimeRecoverySpecification, TimeToLiveSpecification } = table.Properties!;
      expect({ name, BillingMode, PointInTimeRecoverySpecification, ttl: TimeToLiveSpecification?.Enabled }).toEqual({
        name,
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        ttl: true,
      });
    }
    expect(resource('ExecutionTable').Properties!.TimeToLiveSpecification.AttributeName).toBe('ttl');
  });
});

describe('S3', () => {
  it('encrypts, versions and closes every bucket to the public', () => {
    for (const [name, bucket] of resourcesOfType(template, 'AWS::S3::Bucket')) {
      const { BucketEncryption, PublicAccessBlockConfiguration, VersioningConfiguration } = bucket.Properties!;
      expect({ name, algorithm: BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm }).toEqual({
        name,
        algorithm: 'AES256',
      });
      expect({ name, PublicAccessBlockConfiguration, VersioningConfiguration }).toEqual({
        name,
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        VersioningConfiguration: { Status: 'Enabled' },
      });
    }
  });

  it('refuses every request to a bucket that does not come over TLS', () => {
    const policies = resourcesOfType(template, 'AWS::S3::BucketPolicy');
    for (const [name] of resourcesOfType(template, 'AWS::S3::Bucket')) {
      const policy = policies.find(([, candidate]) => referencedIds(candidate.Properties!.Bucket).includes(name));
      const statements = (policy?.[1].Properties!.PolicyDocument.Statement ?? []) as {
        Effect: string;
        Action: unknown;
        Condition?: { Bool?: Record<string, unknown> };
      }[];
      const tlsOnly = statements.some(
        (statement) =>
          statement.Effect === 'Deny' && asList(statement.Action).includes('s3:*') && String(statement.Condition?.Bool?.['aws:SecureTransport']) === 'false',
      );
      expect({ name, tlsOnly }).toEqual({ name, tlsOnly: true });
    }
  });

  it('expires old artifacts and their noncurrent versions', () => {
    const [rule] = resource('ArtifactBucket').Properties!.LifecycleConfiguration.Rules;
    expect(rule).toMatchObject({
      Status: 'Enabled',
      ExpirationInDays: expect.any(Number),
      NoncurrentVersionExpiration: { NoncurrentDays: expect.any(Number) },
    });
  });
});

describe('Lambda', () => {
  it('runs every function on nodejs22.x, arm64, traced, with a log group that has a retention', () => {
    const functions = resourcesOfType(template, 'AWS::Lambda::Function');
    expect(functions.map(([name]) => name).sort()).toEqual([
      'ActionRunnerLambdaFunction',
      'ApprovalRequestLambdaFunction',
      'CommitStatusLambdaFunction',
      'EventRecorderLambdaFunction',
      'ExecutionReconcilerLambdaFunction',
      'HttpLambdaFunction',
      'PipelineRegistrationLambdaFunction',
      'SourcePollLambdaFunction',
      'SourceTriggerLambdaFunction',
      'StageStepLambdaFunction',
    ]);
    for (const [name, fn] of functions) {
      const { Runtime, Architectures, TracingConfig } = fn.Properties!;
      expect({ name, Runtime, Architectures, TracingConfig }).toEqual({
        name,
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
      });
    }
  });

  it('deploys each function that runs Task steps with the handler of its functions/tasks module, whose factory the local engine builds it with', () => {
    for (const functionName of new Set(Object.values(FUNCTION_OF_STEP))) {
      const id = `${functionName[0]!.toUpperCase()}${functionName.slice(1)}LambdaFunction`;
      const module = `functions/tasks/${functionName.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
      expect({ id, handler: resource(id).Properties!.Handler }).toEqual({ id, handler: `${module}.handler` });
    }
  });

  it('gives every function the environment that lib/compose/aws.ts reads', () => {
    for (const [name, fn] of resourcesOfType(template, 'AWS::Lambda::Function')) {
      const variables = Object.keys(fn.Properties!.Environment.Variables);
      expect({ name, missing: Object.values(ENVIRONMENT_VARIABLES).filter((variable) => !variables.includes(variable)) }).toEqual({ name, missing: [] });
    }
  });

  it('keeps every log group for a limited time', () => {
    const groups = resourcesOfType(template, 'AWS::Logs::LogGroup');
    expect(groups.length).toBeGreaterThanOrEqual(6);
    for (const [name, group] of groups) expect({ name, retention: typeof group.Properties!.RetentionInDays }).toEqual({ name, retention: 'number' });
  });
});

describe('the HTTP API', () => {
  const routes = () =>
    Object.fromEntries(
      resourcesOfType(template, 'AWS::ApiGatewayV2::Route').map(([, route]) => [route.Properties!.RouteKey, route.Properties!.AuthorizationType ?? 'NONE']),
    );

  it("authorizes /api and CodePipeline's protocol at POST / with IAM", () => {
    expect(routes()['ANY /api/{proxy+}']).toBe('AWS_IAM');
    expect(routes()['POST /']).toBe('AWS_IAM');
  });

  it('serves the approval pages to anyone', () => {
    expect(routes()).toMatchObject({ 'GET /approvals/{id}': 'NONE', 'HEAD /approvals/{id}': 'NONE', 'POST /approvals/{id}': 'NONE' });
  });

  it.each(['github', 'bitbucket', 'gitlab'])(
    'takes %s webhook deliveries from anyone, into the http function, which checks their signature or token',
    (host) => {
      expect(routes()[`POST /webhooks/${host}`]).toBe('NONE');
      const [, route] = resourcesOfType(template, 'AWS::ApiGatewayV2::Route').find(
        ([, candidate]) => candidate.Properties!.RouteKey === `POST /webhooks/${host}`,
      )!;
      const integration = resource(referencedIds(route.Properties!.Target)[0]!);
      expect(referencedIds(integration.Properties!.IntegrationUri)).toEqual(['HttpLambdaFunction']);
    },
  );
});

describe('the console', () => {
  const routes = () => resourcesOfType(template, 'AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties!);
  const httpApiUrl = { 'Fn::Sub': 'https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/' };
  const issuer = { 'Fn::Sub': 'https://${ConsoleUserPool.ProviderURL}' };

  it("lets through to its API only requests with an ID token of the stack's user pool, for the console's client", () => {
    const consoleRoutes = routes().filter((route) => / \/console\/api\//.test(route.RouteKey));
    expect(consoleRoutes.map((route) => route.RouteKey)).toEqual(['ANY /console/api/{proxy+}']);
    for (const route of consoleRoutes) {
      expect(route.AuthorizationType).toBe('JWT');
      const authorizer = resource(referencedIds(route.AuthorizerId)[0]!);
      expect(authorizer.Properties).toMatchObject({
        AuthorizerType: 'JWT',
        IdentitySource: ['$request.header.Authorization'],
        JwtConfiguration: { Issuer: issuer, Audience: [{ Ref: 'ConsoleUserPoolClient' }] },
      });
    }
  });

  it('serves unauthenticated only its page, its assets and its configuration, besides the approval pages and the webhooks', () => {
    const open = routes()
      .filter((route) => (route.AuthorizationType ?? 'NONE') === 'NONE')
      .map((route) => route.RouteKey as string)
      .filter((key) => !/^(GET|HEAD|POST) \/approvals\/\{id\}$/.test(key) && !/^POST \/webhooks\/\w+$/.test(key));
    expect(open.sort()).toEqual(['GET /', 'GET /assets/{proxy+}', 'GET /console/config.json']);
  });

  it('keeps IAM on /api, whatever the console uses', () => {
    const apiRoutes = routes().filter((route) => / \/api\//.test(route.RouteKey));
    expect(apiRoutes.map((route) => [route.RouteKey, route.AuthorizationType])).toEqual([['ANY /api/{proxy+}', 'AWS_IAM']]);
  });

  it('has users that only an administrator creates, with strong passwords and MFA on offer', () => {
    expect(resource('ConsoleUserPool').Properties).toMatchObject({
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'OPTIONAL',
      Policies: { PasswordPolicy: { RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true } },
    });
    expect(resource('ConsoleUserPool').Properties!.Policies.PasswordPolicy.MinimumLength).toBeGreaterThanOrEqual(12);
  });

  it('signs in through a public client: no secret, the code grant only (with PKCE, which a public client must use), back to the console', () => {
    const client = resource('ConsoleUserPoolClient').Properties!;
    expect(client).toMatchObject({
      UserPoolId: { Ref: 'ConsoleUserPool' },
      GenerateSecret: false,
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      SupportedIdentityProviders: ['COGNITO'],
      CallbackURLs: [httpApiUrl],
      LogoutURLs: [httpApiUrl],
    });
    expect(client.AllowedOAuthScopes).toEqual([...CONSOLE_SCOPES]);
    // No password reaches the client's own API calls: only the hosted sign-in takes it.
    expect(client.ExplicitAuthFlows).toEqual(['ALLOW_REFRESH_TOKEN_AUTH']);
  });

  it('issues tokens that live an hour at most', () => {
    const client = resource('ConsoleUserPoolClient').Properties!;
    const minutes = (token: 'IdToken' | 'AccessToken' | 'RefreshToken', value: number) =>
      ({ minutes: 1, hours: 60, days: 24 * 60 })[client.TokenValidityUnits[token] as string]! * value;
    expect([
      minutes('IdToken', client.IdTokenValidity),
      minutes('AccessToken', client.AccessTokenValidity),
      minutes('RefreshToken', client.RefreshTokenValidity),
    ]).toEqual([60, 60, 60]);
  });

  it("tells only the http function the pool it signs in with, which is the authorizer's issuer, its hosted domain and its client", () => {
    const variables = resource('HttpLambdaFunction').Properties!.Environment.Variables;
    expect(variables[CONSOLE_VARIABLES.authority]).toEqual(issuer);
    expect(referencedIds(variables[CONSOLE_VARIABLES.domain])).toEqual(['ConsoleUserPoolDomain']);
    expect(variables[CONSOLE_VARIABLES.clientId]).toEqual({ Ref: 'ConsoleUserPoolClient' });
    expect(resource('ConsoleUserPoolDomain').Properties!.UserPoolId).toEqual({ Ref: 'ConsoleUserPool' });
    expect(resource('ConsoleUserPoolDomain').Properties!.Domain).toEqual({ 'Fn::Sub': 'sluice-ci-${AWS::AccountId}' });
    for (const [name, fn] of resourcesOfType(template, 'AWS::Lambda::Function').filter(([name]) => name !== 'HttpLambdaFunction')) {
      const names = Object.keys(fn.Properties!.Environment.Variables);
      expect({ name, consoleVariables: Object.values(CONSOLE_VARIABLES).filter((variable) => names.includes(variable)) }).toEqual({
        name,
        consoleVariables: [],
      });
    }
  });

  it("is built into the http function's zip, and into no other", () => {
    expect(functionFiles.http).toContain('dist/console/index.html');
    expect(functionFiles.http!.filter((file) => file.startsWith('dist/console/assets/')).length).toBeGreaterThan(0);
    expect(Object.keys(functionFiles).length).toBe(resourcesOfType(template, 'AWS::Lambda::Function').length);
    for (const [name, files] of Object.entries(functionFiles).filter(([name]) => name !== 'http'))
      expect({ name, console: files.filter((file) => file.startsWith('dist/')) }).toEqual({ name, console: [] });
  });

  it('gives its URL, its user pool and the command that creates a user as outputs', () => {
    expect(template.Outputs).toMatchObject({
      ConsoleUrl: { Value: httpApiUrl },
      ConsoleUserPoolId: { Value: { Ref: 'ConsoleUserPool' } },
    });
    const command = (template.Outputs!.ConsoleCreateUserCommand as { Value: { 'Fn::Sub': string } }).Value['Fn::Sub'];
    expect(command).toMatch(/^aws cognito-idp admin-create-user --region \$\{AWS::Region\} --user-pool-id \$\{ConsoleUserPool\} --username /);
  });
});

describe('pipelines registered through /api', () => {
  const stateMachines = { 'Fn::Sub': 'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:sluice-ci-*' };
  const httpStatements = () => statementsOf(template, 'HttpRole');
  const grantsOf = (prefix: string) =>
    Object.fromEntries(
      httpStatements().flatMap((statement) =>
        asList(statement.Action)
          .filter((action) => action.startsWith(prefix))
          .map((action) => [action, statement.Resource]),
      ),
    );

  it('let the http function read, and so presign downloads of, the artifacts and logs of the artifact bucket and the declared stores, decrypting them through S3, and nothing more of S3 or KMS', () => {
    const storeObjects = { 'Fn::Split': [',', { 'Fn::Join': ['', [{ 'Fn::Join': ['/*,', { Ref: 'ArtifactStoreBucketArns' }] }, '/*']] }] };
    const grants = httpStatements()
      .filter((statement) => asList(statement.Action).some((action) => action.startsWith('s3:') || action.startsWith('kms:')))
      .map((statement) => ({ sid: statement.Sid, actions: asList(statement.Action), resource: statement.Resource }));
    expect(grants).toEqual([
      { sid: 'ListArtifacts', actions: ['s3:ListBucket'], resource: { 'Fn::GetAtt': ['ArtifactBucket', 'Arn'] } },
      { sid: 'ReadArtifactsAndLogs', actions: ['s3:GetObject'], resource: { 'Fn::Sub': '${ArtifactBucket.Arn}/*' } },
      { sid: 'ListArtifactStores', actions: ['s3:ListBucket'], resource: { Ref: 'ArtifactStoreBucketArns' } },
      { sid: 'ReadArtifactStoreArtifactsAndLogs', actions: ['s3:GetObject'], resource: storeObjects },
      {
        sid: 'EncryptedArtifactsAndLogs',
        actions: ['kms:Decrypt'],
        resource: { 'Fn::Sub': 'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*' },
      },
    ]);
  });

  it("let the http function deploy, delete, prune the versions of and stop only this stage's state machines, and their executions", () => {
    const executions = { 'Fn::Sub': 'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:sluice-ci-*' };
    expect(grantsOf('states:')).toEqual({
      'states:StartExecution': stateMachines,
      'states:CreateStateMachine': stateMachines,
      'states:UpdateStateMachine': stateMachines,
      'states:PublishStateMachineVersion': stateMachines,
      'states:DeleteStateMachine': stateMachines,
      'states:ListStateMachineVersions': stateMachines,
      'states:ListExecutions': stateMachines,
      'states:DeleteStateMachineVersion': stateMachines,
      'states:StopExecution': executions,
      'states:SendTaskSuccess': '*',
      'states:SendTaskFailure': '*',
    });
  });

  it("let the http function and the task functions that a stop and wait holds stop, of Step Functions' executions, only this stage's", () => {
    const executions = { 'Fn::Sub': 'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:sluice-ci-*' };
    const stops = identityStatements(template).filter(({ statement }) => asList(statement.Action).includes('states:StopExecution'));
    expect(stops.map(({ owner, statement }) => ({ owner, actions: asList(statement.Action), resource: statement.Resource }))).toEqual(
      ['StageStepRole', 'ActionRunnerRole', 'ApprovalRequestRole', 'HttpRole'].map((owner) => ({
        owner,
        actions: owner === 'HttpRole' ? expect.arrayContaining(['states:StopExecution']) : ['states:StopExecution'],
        resource: executions,
      })),
    );
  });

  it("let only the http function pass a role, the pipelines' state machine role, and only to Step Functions; and the action runner the account's roles only to ECS's tasks and to CloudFormation", () => {
    const passes = identityStatements(template).filter(({ statement }) => asList(statement.Action).includes('iam:PassRole'));
    const accountRoles = { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*' };
    expect(
      passes.map(({ owner, statement }) => ({
        owner,
        actions: asList(statement.Action),
        resource: statement.Resource,
        condition: statement.Condition,
      })),
    ).toEqual([
      {
        owner: 'ActionRunnerRole',
        actions: ['iam:PassRole'],
        resource: accountRoles,
        condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      },
      {
        owner: 'ActionRunnerRole',
        actions: ['iam:PassRole'],
        resource: accountRoles,
        condition: { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } },
      },
      {
        owner: 'HttpRole',
        actions: ['iam:PassRole'],
        resource: { 'Fn::GetAtt': ['PipelineStateMachineRole', 'Arn'] },
        condition: { StringEquals: { 'iam:PassedToService': 'states.amazonaws.com' } },
      },
    ]);
  });

  it('let the http function set up the log delivery of the state machines it deploys', () => {
    const delivery = Object.entries(grantsOf('logs:')).filter(([action]) => action !== 'logs:CreateLogStream' && action !== 'logs:PutLogEvents');
    expect(Object.fromEntries(delivery)).toEqual({
      'logs:CreateLogDelivery': '*',
      'logs:GetLogDelivery': '*',
      'logs:UpdateLogDelivery': '*',
      'logs:DeleteLogDelivery': '*',
      'logs:ListLogDeliveries': '*',
      'logs:PutResourcePolicy': '*',
      'logs:DescribeResourcePolicies': '*',
      'logs:DescribeLogGroups': '*',
    });
  });

  it('give only the http function the log group and the task functions that those state machines use', () => {
    const variables = resource('HttpLambdaFunction').Properties!.Environment.Variables;
    expect({
      logGroup: referencedIds(variables[PIPELINE_DEPLOY_VARIABLES.logGroupArn]),
      stageStep: referencedIds(variables[PIPELINE_DEPLOY_VARIABLES.stageStep]),
      actionRunner: referencedIds(variables[PIPELINE_DEPLOY_VARIABLES.actionRunner]),
      approvalRequest: referencedIds(variables[PIPELINE_DEPLOY_VARIABLES.approvalRequest]),
    }).toEqual({
      logGroup: ['StateMachineLogGroup'],
      stageStep: ['StageStepLambdaFunction'],
      actionRunner: ['ActionRunnerLambdaFunction'],
      approvalRequest: ['ApprovalRequestLambdaFunction'],
    });
    for (const [name, fn] of resourcesOfType(template, 'AWS::Lambda::Function').filter(([name]) => name !== 'HttpLambdaFunction')) {
      const variables = Object.keys(fn.Properties!.Environment.Variables);
      expect({ name, deployVariables: Object.values(PIPELINE_DEPLOY_VARIABLES).filter((variable) => variables.includes(variable)) }).toEqual({
        name,
        deployVariables: [],
      });
    }
  });
});

describe('GitHub on AWS', () => {
  /** Which secrets each role may read. */
  const secretReaders = () => {
    const readers: Record<string, string[]> = {};
    for (const { owner, statement } of identityStatements(template)) {
      const actions = asList(statement.Action).filter((action) => action.startsWith('secretsmanager:'));
      if (actions.length === 0 || statement.Effect !== 'Allow') continue;
      expect({ owner, actions }).toEqual({ owner, actions: ['secretsmanager:GetSecretValue'] });
      readers[owner] = [...(readers[owner] ?? []), ...asList(statement.Resource).flatMap(referencedIds)].sort();
    }
    return readers;
  };

  it("generates each host's webhook secret, long and without punctuation, and gives the token secret only the placeholder", () => {
    for (const name of WEBHOOK_SECRETS) {
      const webhook = resource(name);
      expect({ name, type: webhook.Type }).toEqual({ name, type: 'AWS::SecretsManager::Secret' });
      expect(webhook.Properties!.GenerateSecretString.PasswordLength).toBeGreaterThanOrEqual(32);
      expect(webhook.Properties!.GenerateSecretString.ExcludePunctuation).toBe(true);
    }
    for (const name of TOKEN_SECRETS) {
      const token = resource(name);
      expect({ name, type: token.Type, value: token.Properties!.SecretString }).toEqual({
        name,
        type: 'AWS::SecretsManager::Secret',
        value: SECRET_PLACEHOLDER,
      });
    }
  });

  it('names no secret, so that a stage removed with `osls remove` deploys again while its old secrets wait out their recovery window', () => {
    const secrets = resourcesOfType(template, 'AWS::SecretsManager::Secret');
    expect(secrets.map(([name]) => name).sort()).toEqual([...TOKEN_SECRETS, ...WEBHOOK_SECRETS].sort());
    for (const [name, secret] of secrets) expect({ name, fixedName: secret.Properties!.Name }).toEqual({ name, fixedName: undefined });
  });

  it('lets only the http function read the webhook secrets, the functions that call repository hosts their tokens, and the Commands builds neither', () => {
    expect(secretReaders()).toEqual({
      HttpRole: [...TOKEN_SECRETS, ...WEBHOOK_SECRETS].sort(),
      CommitStatusRole: [...TOKEN_SECRETS].sort(),
      ActionRunnerRole: [...TOKEN_SECRETS].sort(),
      // The account's secrets that Commands actions name, but for the stack's own, which it denies.
      CommandsBuildRole: [],
    });
    const denied = statementsOf(template, 'CommandsBuildRole').filter((statement) => statement.Effect === 'Deny');
    expect(denied.map((statement) => ({ actions: asList(statement.Action), secrets: asList(statement.Resource).flatMap(referencedIds).sort() }))).toEqual([
      { actions: ['secretsmanager:GetSecretValue'], secrets: [...TOKEN_SECRETS, ...WEBHOOK_SECRETS].sort() },
    ]);
  });

  it("gives every function each host's token secret and the connections parameter", () => {
    const variables = template.Resources!.ActionRunnerLambdaFunction!.Properties!.Environment.Variables;
    expect(referencedIds(variables[HOST_VARIABLES.bitbucketTokenSecretArn])).toEqual(['BitbucketTokenSecret']);
    expect(referencedIds(variables[HOST_VARIABLES.gitLabTokenSecretArn])).toEqual(['GitLabTokenSecret']);
    // The parameter's default names no connection: every connection is GitHub's.
    expect(parseConnections(variables[HOST_VARIABLES.connections], 'CONNECTIONS')).toEqual({});
  });

  it("lets the http function, like any function that starts executions, start this stage's state machines only; the action runner starts those that StepFunctions invoke actions name", () => {
    const starts = identityStatements(template).filter(({ statement }) => asList(statement.Action).includes('states:StartExecution'));
    expect(starts.map(({ owner }) => owner)).toContain('HttpRole');
    const [invoked, ...others] = starts.filter(({ owner }) => owner === 'ActionRunnerRole');
    expect(others).toEqual([]);
    expect(invoked!.statement.Sid).toBe('StartInvokedStateMachines');
    for (const { statement } of starts.filter(({ owner }) => owner !== 'ActionRunnerRole')) {
      expect(statement.Resource).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:sluice-ci-*' });
    }
  });

  it("gives the http function each host's webhook secret and the engine it starts executions on", () => {
    const variables = resource('HttpLambdaFunction').Properties!.Environment.Variables;
    expect(referencedIds(variables[WEBHOOK_SECRET_VARIABLES.GitHub])).toEqual(['WebhookSecret']);
    expect(referencedIds(variables[WEBHOOK_SECRET_VARIABLES.Bitbucket])).toEqual(['BitbucketWebhookSecret']);
    expect(referencedIds(variables[WEBHOOK_SECRET_VARIABLES.GitLab])).toEqual(['GitLabWebhookSecret']);
    for (const name of ['HttpLambdaFunction', 'CommitStatusLambdaFunction']) {
      const { [ENGINE_VARIABLES.roleArn]: roleArn, [ENGINE_VARIABLES.namePrefix]: namePrefix } = resource(name).Properties!.Environment.Variables;
      expect({ name, role: referencedIds(roleArn), namePrefix }).toEqual({ name, role: ['PipelineStateMachineRole'], namePrefix: 'sluice-ci-' });
    }
    expect(referencedIds(resource('HttpLambdaFunction').Properties!.Environment.Variables[ENVIRONMENT_VARIABLES.gitHubTokenSecretArn])).toEqual([
      'GitHubTokenSecret',
    ]);
  });

  it('sends the execution events that commit statuses report to their function, with the pattern the local bus uses', () => {
    const rule = resource('CommitStatusRule').Properties!;
    expect(rule.EventPattern).toEqual(COMMIT_STATUS_EVENT_PATTERN);
    expect(referencedIds(rule.EventBusName)).toEqual(['EventBus']);
    expect(rule.Targets.flatMap((target: { Arn: unknown }) => referencedIds(target.Arn))).toEqual(['CommitStatusLambdaFunction']);
    const permission = resource('CommitStatusInvokedByRule').Properties!;
    expect(permission).toMatchObject({ Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com' });
    expect(referencedIds(permission.SourceArn)).toEqual(['CommitStatusRule']);
  });

  it('lets the commit status function read executions and the token, and nothing else', () => {
    const actions = identityStatements(template)
      .filter(({ owner }) => owner === 'CommitStatusRole')
      .flatMap(({ statement }) => asList(statement.Action));
    expect(actions.sort()).toEqual([
      'dynamodb:GetItem',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'secretsmanager:GetSecretValue',
      'sqs:SendMessage',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
  });
});

describe('CodeCommit, S3 and ECR triggers', () => {
  const targetsOf = (rule: string) => resource(rule).Properties!.Targets.flatMap((target: { Arn: unknown }) => referencedIds(target.Arn));

  it.each([
    [
      'branch changes',
      'where CodeCommit sends them',
      'CodeCommitChangesRule',
      CODECOMMIT_STATE_CHANGE,
      { event: ['referenceCreated', 'referenceUpdated'], referenceType: ['branch'] },
    ],
    [
      'new objects of every bucket but the artifact bucket',
      'where S3 sends them',
      'S3ObjectCreatedRule',
      S3_OBJECT_CREATED,
      { bucket: { name: [{ 'anything-but': [{ Ref: 'ArtifactBucket' }] }] } },
    ],
    [
      'successful image pushes with a tag',
      'where ECR sends them',
      'EcrImagePushRule',
      ECR_IMAGE_ACTION,
      { 'action-type': ['PUSH'], result: ['SUCCESS'], 'image-tag': [{ exists: true }] },
    ],
  ])('route %s on the default bus, %s, to the source trigger', (_what, _why, ruleId, event, detail) => {
    const rule = resource(ruleId).Properties!;
    expect(rule.EventBusName).toBeUndefined();
    expect(rule.EventPattern).toEqual({ source: [event.source], 'detail-type': [event.detailType], detail });
    expect(targetsOf(ruleId)).toEqual(['SourceTriggerLambdaFunction']);
  });

  it("send ECR's sample push to the source trigger, and neither a deletion, a failed push nor a push without a tag", () => {
    const pattern = resource('EcrImagePushRule').Properties!.EventPattern as EventPattern;
    const push = JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/events/ecr-image-push.json'), 'utf8'));
    const withDetail = (detail: Record<string, unknown>) => ({ ...push, detail: { ...push.detail, ...detail } });
    expect(matchesEventPattern(pattern, push)).toBe(true);
    expect(matchesEventPattern(pattern, withDetail({ 'action-type': 'DELETE' }))).toBe(false);
    expect(matchesEventPattern(pattern, withDetail({ result: 'FAILURE' }))).toBe(false);
    expect(matchesEventPattern(pattern, withDetail({ 'image-tag': undefined }))).toBe(false);
  });

  it('let each rule, and nothing else, invoke the source trigger', () => {
    const permissions = resourcesOfType(template, 'AWS::Lambda::Permission').filter(([, permission]) =>
      referencedIds(permission.Properties!.FunctionName).includes('SourceTriggerLambdaFunction'),
    );
    expect(permissions.map(([, permission]) => permission.Properties!)).toEqual(
      ['CodeCommitChangesRule', 'S3ObjectCreatedRule', 'EcrImagePushRule'].map((rule) =>
        expect.objectContaining({ Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', SourceArn: { 'Fn::GetAtt': [rule, 'Arn'] } }),
      ),
    );
  });

  it("let the source trigger list pipelines, record executions, publish their events and start them on this stage's state machines, and nothing else", () => {
    const statements = statementsOf(template, 'SourceTriggerRole');
    const scope = Object.fromEntries(statements.flatMap((statement) => asList(statement.Action).map((action) => [action, resourceIdsOf(statement).sort()])));
    expect(scope).toEqual({
      'dynamodb:PutItem': ['ExecutionTable', 'ExecutionTable'],
      'dynamodb:UpdateItem': ['ExecutionTable', 'ExecutionTable'],
      'dynamodb:Query': ['ExecutionTable', 'ExecutionTable'],
      'events:PutEvents': ['EventBus'],
      'states:StartExecution': [],
      'logs:CreateLogStream': ['SourceTriggerLogGroup'],
      'logs:PutLogEvents': ['SourceTriggerLogGroup'],
      'xray:PutTraceSegments': ['*'],
      'xray:PutTelemetryRecords': ['*'],
      'sqs:SendMessage': ['FailedDeliveriesQueue'],
    });
    const start = statements.find((statement) => asList(statement.Action).includes('states:StartExecution'))!;
    expect(start.Resource).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:sluice-ci-*' });
  });

  it("let only the action runner clone CodeCommit repositories and the source poll read their branches, those of the stack's account and region, and do nothing else in CodeCommit", () => {
    const codeCommit = identityStatements(template).filter(({ statement }) => asList(statement.Action).some((action) => action.startsWith('codecommit:')));
    const anyRepository = { 'Fn::Sub': 'arn:${AWS::Partition}:codecommit:${AWS::Region}:${AWS::AccountId}:*' };
    expect(
      codeCommit.map(({ owner, statement }) => ({ owner, effect: statement.Effect, actions: asList(statement.Action), resource: statement.Resource })),
    ).toEqual([
      { owner: 'ActionRunnerRole', effect: 'Allow', actions: ['codecommit:GitPull'], resource: anyRepository },
      { owner: 'SourcePollRole', effect: 'Allow', actions: ['codecommit:GitPull'], resource: anyRepository },
    ]);
  });

  it("let only the action runner read ECR images, those of the stack's account and region, and do nothing else in ECR", () => {
    const ecr = identityStatements(template).filter(({ statement }) => asList(statement.Action).some((action) => action.startsWith('ecr:')));
    expect(ecr.map(({ owner, statement }) => ({ owner, effect: statement.Effect, actions: asList(statement.Action), resource: statement.Resource }))).toEqual([
      {
        owner: 'ActionRunnerRole',
        effect: 'Allow',
        actions: ['ecr:DescribeImages', 'ecr:DescribeRepositories'],
        resource: { 'Fn::Sub': 'arn:${AWS::Partition}:ecr:${AWS::Region}:${AWS::AccountId}:repository/*' },
      },
    ]);
  });

  it('poll the sources with PollForSourceChanges true every minute, as CodePipeline does, with the schedule alone invoking the source poll', () => {
    const schedule = resource('SourcePollSchedule').Properties!;
    expect(schedule.ScheduleExpression).toBe('rate(1 minute)');
    expect(schedule.EventPattern).toBeUndefined();
    expect(targetsOf('SourcePollSchedule')).toEqual(['SourcePollLambdaFunction']);
    const permissions = resourcesOfType(template, 'AWS::Lambda::Permission').filter(([, permission]) =>
      referencedIds(permission.Properties!.FunctionName).includes('SourcePollLambdaFunction'),
    );
    expect(permissions.map(([, permission]) => permission.Properties!)).toEqual([
      expect.objectContaining({
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': ['SourcePollSchedule', 'Arn'] },
      }),
    ]);
    const poll = resource('SourcePollLambdaFunction').Properties!;
    expect(poll.Handler).toBe('functions/events/source-poll.handler');
    // A look ends before the next one is due, and is not retried: the next one looks again.
    expect(poll.Timeout).toBeLessThan(60);
    const [config] = resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig').filter(([, entry]) =>
      referencedIds(entry.Properties!.FunctionName).includes('SourcePollLambdaFunction'),
    );
    expect(config![1].Properties!.MaximumRetryAttempts).toBe(0);
  });

  it("let the source poll read and note revisions, record and start executions, and read only the sources' buckets and repositories", () => {
    const statements = statementsOf(template, 'SourcePollRole');
    const scope = Object.fromEntries(statements.flatMap((statement) => asList(statement.Action).map((action) => [action, resourceIdsOf(statement).sort()])));
    expect(scope).toEqual({
      'dynamodb:GetItem': ['ExecutionTable', 'ExecutionTable'],
      'dynamodb:PutItem': ['ExecutionTable', 'ExecutionTable'],
      'dynamodb:UpdateItem': ['ExecutionTable', 'ExecutionTable'],
      'dynamodb:Query': ['ExecutionTable', 'ExecutionTable'],
      'events:PutEvents': ['EventBus'],
      'states:StartExecution': [],
      'codecommit:GitPull': [],
      's3:ListBucket': ['ActionBucketArns'],
      's3:GetObject': ['ActionBucketArns'],
      'kms:Decrypt': [],
      'logs:CreateLogStream': ['SourcePollLogGroup'],
      'logs:PutLogEvents': ['SourcePollLogGroup'],
      'xray:PutTraceSegments': ['*'],
      'xray:PutTelemetryRecords': ['*'],
      'sqs:SendMessage': ['FailedDeliveriesQueue'],
    });
    const start = statements.find((statement) => asList(statement.Action).includes('states:StartExecution'))!;
    expect(start.Resource).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:sluice-ci-*' });
    const objects = statements.find((statement) => asList(statement.Action).includes('s3:GetObject'))!;
    expect(objects.Resource).toEqual({ 'Fn::Split': [',', { 'Fn::Join': ['', [{ 'Fn::Join': ['/*,', { Ref: 'ActionBucketArns' }] }, '/*']] }] });
  });

  it.each(['SourceTriggerLambdaFunction', 'SourcePollLambdaFunction'])('give %s the engine it starts executions on', (functionId) => {
    const { [ENGINE_VARIABLES.roleArn]: roleArn, [ENGINE_VARIABLES.namePrefix]: namePrefix } = resource(functionId).Properties!.Environment.Variables;
    expect({ role: referencedIds(roleArn), namePrefix }).toEqual({ role: ['PipelineStateMachineRole'], namePrefix: 'sluice-ci-' });
  });
});

describe('messaging', () => {
  it('mails failed executions to the alerts topic, which lets EventBridge publish to it', () => {
    const rule = resource('PipelineFailedRule').Properties!;
    expect(rule.EventPattern).toEqual({ source: [EVENT_SOURCE], 'detail-type': [DETAIL_TYPES.pipeline], detail: { state: ['FAILED'] } });
    expect(rule.Targets.flatMap((target: { Arn: unknown }) => referencedIds(target.Arn))).toEqual(['AlertsTopic']);
    const statement = resource('AlertsTopicPolicy').Properties!.PolicyDocument.Statement[0];
    expect(statement).toMatchObject({ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sns:Publish' });
    expect(referencedIds(statement.Condition)).toEqual(['PipelineFailedRule']);
  });

  it('mails a failed execution as text for people: the pipeline, the execution, the failed stage and action, and links to them', () => {
    const [target] = resource('PipelineFailedRule').Properties!.Targets as {
      InputTransformer: { InputPathsMap: Record<string, string>; InputTemplate: { 'Fn::Sub': string } };
    }[];
    const event = {
      time: '2026-12-05T12:00:00Z',
      detail: {
        pipeline: 'webapp',
        version: 3,
        'execution-id': 'e-42',
        state: 'FAILED',
        'execution-result': { 'external-execution-summary': 'Build/Compile failed: exit status 2' },
      },
    };
    // As EventBridge applies a transformer: each variable is the value at its path, and a
    // template that is not a JSON object is quoted text, one quoted string a line.
    const valueAt = (jsonPath: string) =>
      jsonPath
        .slice(2)
        .split('.')
        .reduce<unknown>((value, key) => (value as Record<string, unknown>)?.[key], event);
    const template = target!.InputTransformer.InputTemplate['Fn::Sub']
      .replace(/\$\{AWS::Region\}/g, 'eu-west-1')
      .replace(/\$\{AWS::Partition\}/g, 'aws')
      .replace(/\$\{AWS::AccountId\}/g, '123456789012');
    expect(template).not.toMatch(/\$\{/);
    const text = template.replace(/<([a-z-]+)>/g, (_, name: string) => String(valueAt(target!.InputTransformer.InputPathsMap[name]!)));
    const lines = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as string);
    expect(lines).toEqual([
      'Sluice pipeline webapp (version 3): execution e-42 FAILED at 2026-12-05T12:00:00Z.',
      'Build/Compile failed: exit status 2',
      'Execution: https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/arn:aws:states:eu-west-1:123456789012:execution:sluice-ci-webapp:e-42',
      'Stages and actions: npx sluice status webapp --target aws --stage ci --region eu-west-1',
    ]);
  });

  it('sends every pipeline event on the bus to the event recorder, and no audit record', () => {
    const rule = resource('RecordEventsRule').Properties!;
    expect(rule.EventPattern).toEqual({ source: [EVENT_SOURCE], 'detail-type': Object.values(DETAIL_TYPES) });
    expect(referencedIds(rule.EventBusName)).toEqual(['EventBus']);
    expect(rule.Targets.flatMap((target: { Arn: unknown }) => referencedIds(target.Arn))).toEqual(['EventRecorderLambdaFunction']);
  });

  it("lets the event recorder read and append to an execution's event log, and write the idempotency records that keep a redelivered event from being written twice", () => {
    const statements = statementsOf(template, 'EventRecorderRole');
    const on = (table: string) =>
      statements.filter((statement) => referencedIds(statement.Resource).includes(table)).flatMap((statement) => asList(statement.Action));
    expect(on('ExecutionTable')).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query']);
    expect(on('IdempotencyTable').sort()).toEqual(['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
  });

  it('subscribes the alert and approver addresses only when they are given', () => {
    expect(resource('AlertEmailSubscription')).toMatchObject({ Condition: 'HasAlertEmail', Properties: { Protocol: 'email' } });
    expect(resource('ApproverEmailSubscription')).toMatchObject({ Condition: 'HasApproverEmail', Properties: { Protocol: 'email' } });
    expect(template.Parameters?.AlertEmail?.Default).toBe('');
    expect(template.Parameters?.ApproverEmail?.Default).toBe('');
  });
});

describe('the execution reconciler', () => {
  /** The rule's pattern in the stack's account and region. */
  const patternIn = (region: string, account: string): EventPattern =>
    JSON.parse(
      JSON.stringify(resource('ExecutionEndedRule').Properties!.EventPattern, (_, value) =>
        value?.['Fn::Sub']
          ? value['Fn::Sub'].replace('${AWS::Partition}', 'aws').replace('${AWS::Region}', region).replace('${AWS::AccountId}', account)
          : value,
      ),
    );
  const statusChange = (stateMachine: string, status: string) => ({
    source: 'aws.states',
    'detail-type': 'Step Functions Execution Status Change',
    detail: {
      executionArn: `arn:aws:states:eu-west-1:111122223333:execution:${stateMachine}:e-1`,
      stateMachineArn: `arn:aws:states:eu-west-1:111122223333:stateMachine:${stateMachine}`,
      name: 'e-1',
      status,
    },
  });

  it("sends the unsuccessful ends of this stage's state machine executions, from the default bus, to the reconciler, and nothing else", () => {
    const rule = resource('ExecutionEndedRule').Properties!;
    const pattern = patternIn('eu-west-1', '111122223333');
    expect(rule.EventBusName).toBeUndefined();
    expect(rule.EventPattern.detail.status).toEqual([...UNSUCCESSFUL_ENDS]);
    for (const status of UNSUCCESSFUL_ENDS) expect(matchesEventPattern(pattern, statusChange('sluice-ci-webapp', status))).toBe(true);
    expect(matchesEventPattern(pattern, statusChange('sluice-ci-webapp', 'SUCCEEDED'))).toBe(false);
    expect(matchesEventPattern(pattern, statusChange('sluice-prod-webapp', 'FAILED'))).toBe(false);
    expect(matchesEventPattern(patternIn('eu-west-1', '444455556666'), statusChange('sluice-ci-webapp', 'FAILED'))).toBe(false);
    expect(rule.Targets.flatMap((target: { Arn: unknown }) => referencedIds(target.Arn))).toEqual(['ExecutionReconcilerLambdaFunction']);
    const permission = resource('ExecutionReconcilerInvokedByRule').Properties!;
    expect(permission).toMatchObject({
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': ['ExecutionEndedRule', 'Arn'] },
    });
  });

  it('names the state machines the rule matches as the engine names them', () => {
    const machines = resourcesOfType(template, 'AWS::StepFunctions::StateMachine').map(([, machine]) => machine.Properties!.StateMachineName);
    const prefix = resource('ExecutionEndedRule').Properties!.EventPattern.detail.stateMachineArn[0].prefix['Fn::Sub'] as string;
    expect(machines.length).toBeGreaterThan(0);
    expect(prefix.endsWith(`:stateMachine:${resource('HttpLambdaFunction').Properties!.Environment.Variables[ENGINE_VARIABLES.namePrefix]}`)).toBe(true);
    for (const name of machines) expect(name.startsWith('sluice-ci-')).toBe(true);
  });

  it('lets the reconciler end executions and publish their events, and nothing else', () => {
    const statements = statementsOf(template, 'ExecutionReconcilerRole');
    const scope = Object.fromEntries(
      statements.flatMap((statement) => asList(statement.Action).map((action) => [`${action} ${statement.Sid}`, resourceIdsOf(statement)])),
    );
    expect(scope).toEqual({
      'dynamodb:GetItem EndExecutions': ['ExecutionTable'],
      'dynamodb:PutItem EndExecutions': ['ExecutionTable'],
      'dynamodb:UpdateItem EndExecutions': ['ExecutionTable'],
      'dynamodb:Query EndExecutions': ['ExecutionTable'],
      'dynamodb:GetItem IdempotencyRecords': ['IdempotencyTable'],
      'dynamodb:PutItem IdempotencyRecords': ['IdempotencyTable'],
      'dynamodb:UpdateItem IdempotencyRecords': ['IdempotencyTable'],
      'dynamodb:DeleteItem IdempotencyRecords': ['IdempotencyTable'],
      'events:PutEvents PublishEvents': ['EventBus'],
      'logs:CreateLogStream WriteLogs': ['ExecutionReconcilerLogGroup'],
      'logs:PutLogEvents WriteLogs': ['ExecutionReconcilerLogGroup'],
      'sqs:SendMessage RecordFailedInvocations': ['FailedDeliveriesQueue'],
      'xray:PutTraceSegments Tracing': ['*'],
      'xray:PutTelemetryRecords Tracing': ['*'],
    });
  });
});

describe('the outputs', () => {
  it('hold every setting that sluice --target aws reads', () => {
    const outputs = Object.values(AWS_CLI_SETTINGS).map((setting) => setting.output);
    expect(Object.keys(template.Outputs ?? {})).toEqual(expect.arrayContaining(outputs));
  });

  it("give each host's webhook URL and secret, and the tokens to connect the hosts with", () => {
    const output = (name: string) => (template.Outputs?.[name] as { Value: unknown }).Value;
    const url = (host: string) => ({ 'Fn::Sub': `https://\${HttpApi}.execute-api.\${AWS::Region}.\${AWS::URLSuffix}/webhooks/${host}` });
    expect(output('WebhookUrl')).toEqual(url('github'));
    expect(output('BitbucketWebhookUrl')).toEqual(url('bitbucket'));
    expect(output('GitLabWebhookUrl')).toEqual(url('gitlab'));
    for (const name of WEBHOOK_SECRETS) expect(referencedIds(output(`${name}Arn`))).toEqual([name]);
    for (const name of TOKEN_SECRETS) expect(referencedIds(output(`${name}Arn`))).toEqual([name]);
  });

  it('give run-time pipelines the role, log group and task functions of the shipped ones', () => {
    const output = (name: string) => (template.Outputs?.[name] as { Value: unknown }).Value;
    expect(output('PipelineStateMachineRoleArn')).toEqual({ 'Fn::GetAtt': ['PipelineStateMachineRole', 'Arn'] });
    expect(output('StateMachineLogGroupArn')).toEqual({ 'Fn::GetAtt': ['StateMachineLogGroup', 'Arn'] });
    for (const [placeholder, functionId] of Object.entries(TASK_FUNCTIONS)) expect(output(placeholder)).toEqual({ 'Fn::GetAtt': [functionId, 'Arn'] });
  });
});
