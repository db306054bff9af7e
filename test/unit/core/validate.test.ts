import * as fs from 'node:fs';
import * as path from 'node:path';
import { providerCatalog } from '../../../lib/actions/registry';
import { ruleCatalog } from '../../../lib/actions/rule-registry';
import { parseDeclarationText } from '../../../lib/core/declaration-text';
import { STRUCTURAL_RULES, validatePipeline, validatePipelineAsking, type Problem, type ValidateOptions, type Validation } from '../../../lib/core/validate';

/**
 * Broken declarations: each case starts from a valid fixture, breaks exactly one thing, and checks
 * that the validator names the right place (path), the right rule, and says something specific.
 */

// Declarations are plain JSON data that the cases poke at freely.
type Decl = any;

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures');

function readText(relative: string): string {
  return fs.readFileSync(path.join(FIXTURES, relative), 'utf8');
}

function loadFixture(relative: string): Decl {
  const parsed = parseDeclarationText(readText(relative));
  if (!parsed.ok) throw new Error(`fixture ${relative} does not parse: ${JSON.stringify(parsed.problems)}`);
  return parsed.value;
}

/** CodeCommit -> CodeBuild -> CloudFormation, V1 (no pipelineType), bare pipeline object. */
const CODECOMMIT_RAW: Decl = loadFixture('valid/codecommit-codebuild-cloudformation.yml');
/** CodeStarSourceConnection -> two parallel CodeBuild actions, V2 with variables and a trigger. */
const V2_RAW: Decl = loadFixture('valid/v2-triggers-variables-parallel.json').pipeline;

const codecommit = (): Decl => structuredClone(CODECOMMIT_RAW);
const v2 = (): Decl => structuredClone(V2_RAW);

function run(input: unknown, options?: ValidateOptions): Validation {
  let result: Validation | undefined;
  expect(() => {
    result = validatePipeline(input, providerCatalog, { rules: ruleCatalog, ...options });
  }).not.toThrow();
  return result!;
}

function problemsOf(result: Validation): Problem[] {
  expect(result.ok).toBe(false);
  return result.problems;
}

function findProblem(problems: readonly Problem[], at: string, rule: string): Problem {
  const found = problems.find((problem) => problem.path === at && problem.rule === rule);
  if (!found) {
    throw new Error(`expected a "${rule}" problem at "${at}"; got:\n${JSON.stringify(problems, null, 2)}`);
  }
  return found;
}

const manualApproval = (name: string): Decl => ({
  name,
  actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' },
});

const commandsAction = (extra: Decl = {}): Decl => ({
  name: 'RunTests',
  actionTypeId: { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1' },
  inputArtifacts: [{ name: 'SourceArtifact' }],
  commands: ['npm ci', 'npm test'],
  ...extra,
});

/** Writes `value` at a problem path such as `stages[1].actions[0].runOrder`. */
function setAt(declaration: Decl, at: string, value: unknown): void {
  const keys = at.match(/[^.[\]]+/g) ?? [];
  const last = keys.pop();
  if (last === undefined) throw new Error(`no path to set: "${at}"`);
  const parent = keys.reduce((node: Decl, key) => node[key], declaration);
  parent[last] = value;
}

type BrokenCase = {
  title: string;
  base: () => Decl;
  options?: ValidateOptions;
  path: string;
  rule: string;
  /** Substrings the message must contain: the offending name, the allowed values, ... */
  mentions: string[];
  /** Substrings the message must not contain. */
  excludes?: string[];
} & (
  | { mutate: (declaration: Decl) => void }
  /** The value written at `path`, the very place the problem must then be reported. */
  | { set: unknown }
);

/** Where it matters: the validation options, and what the message must not say. */
type CaseExtras = Pick<BrokenCase, 'options' | 'excludes'>;

/** A case that writes a value at `path`, as a row: title, base, path, value, rule, mentions[, extras]. */
type SetCase = [title: string, base: () => Decl, path: string, value: unknown, rule: string, mentions: string[], extras?: CaseExtras];

/** A case that changes the base declaration in place, as a row: title, base, mutation, path, rule, mentions[, extras]. */
type MutateCase = [title: string, base: () => Decl, mutate: (declaration: Decl) => void, path: string, rule: string, mentions: string[], extras?: CaseExtras];

function mutatingCase([title, base, mutate, path, rule, mentions, extras]: MutateCase): BrokenCase {
  return { title, base, mutate, path, rule, mentions, ...extras };
}

function settingCase([title, base, path, set, rule, mentions, extras]: SetCase): BrokenCase {
  return { title, base, path, set, rule, mentions, ...extras };
}

/** Adds an S3 source action to the Build stage. */
function addLateSource(d: Decl): void {
  d.stages[1].actions.push({
    name: 'LateSource',
    actionTypeId: { category: 'Source', owner: 'AWS', provider: 'S3', version: '1' },
    configuration: { S3Bucket: 'amzn-s3-demo-source-bucket', S3ObjectKey: 'source.zip' },
    outputArtifacts: [{ name: 'LateArtifact' }],
  });
}

/** Replaces the CloudFormation deploy by an S3 deploy that does not extract, with no ObjectKey. */
function deployToS3WithoutObjectKey(d: Decl): void {
  d.stages[2].actions[0] = {
    name: 'Publish',
    actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'S3', version: '1' },
    configuration: { BucketName: 'site', Extract: 'false' },
    inputArtifacts: [{ name: d.stages[1].actions[0].outputArtifacts[0].name }],
  };
}

/** Replaces the CloudFormation deploy by a CodeDeploy deployment of the build's artifact. */
function deployWithCodeDeploy(d: Decl): void {
  d.stages[2].actions[0] = {
    name: 'Release',
    actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'CodeDeploy', version: '1' },
    configuration: { ApplicationName: 'webapp', DeploymentGroupName: 'production' },
    inputArtifacts: [{ name: d.stages[1].actions[0].outputArtifacts[0].name }],
  };
}

/** Names the source's namespace `variables`. */
function nameSourceNamespaceVariables(d: Decl): void {
  d.stages[0].actions[0].namespace = 'variables';
  // Keep the fixture's reference resolvable so only the reserved name is wrong.
  d.stages[1].actions[0].configuration.EnvironmentVariables = '[]';
}

/** Adds a Commands action that declares REPORT_URL, then an approval that refers to its COVERAGE. */
function referToUndeclaredCommandsVariable(d: Decl): void {
  d.stages[1].actions.push(commandsAction({ namespace: 'TestVariables', outputVariables: ['REPORT_URL'] }));
  d.stages.push({ name: 'Notify', actions: [{ ...manualApproval('Review'), configuration: { CustomData: 'Report at #{TestVariables.COVERAGE}' } }] });
}

const rule = (name: string, provider: string, extra: Decl = {}): Decl => ({
  name,
  ruleTypeId: { category: 'Rule', owner: 'AWS', provider, version: '1' },
  ...extra,
});
const variableCheck = (name: string, configuration: Decl = { Variable: '#{SourceVariables.BranchName}', Value: 'main', Operator: 'EQ' }) =>
  rule(name, 'VariableCheck', { configuration });
/** Gives the Build stage an entry condition with `rules` and `result`. */
const gateBuild =
  (rules: Decl[], result = 'FAIL') =>
  (d: Decl): void => {
    d.stages[1].beforeEntry = { conditions: [{ result, rules }] };
  };

/** Makes the pipeline V2, with a CodeStarSourceConnection trigger on its CodeCommit source. */
function triggerOnCodeCommit(d: Decl): void {
  d.pipelineType = 'V2';
  d.triggers = [
    { providerType: 'CodeStarSourceConnection', gitConfiguration: { sourceActionName: 'source', push: [{ branches: { includes: ['mainline'] } }] } },
  ];
}

// prettier-ignore
const structuralSettings: SetCase[] = [
  ['artifactStore and artifactStores together', codecommit, 'artifactStores', { 'us-east-1': { type: 'S3', location: 'amzn-s3-demo-bucket-east' } }, 'artifact-store-conflict', ['artifactStore', 'artifactStores']],
  ['two stages named Build', codecommit, 'stages[2].name', 'Build', 'stage-name-unique', ['"Build"', 'stages[1]']],
  ['two actions named Build in one stage', v2, 'stages[1].actions[1].name', 'Build', 'action-name-unique', ['"Build"', 'actions[0]']],
  ['a provider version that does not exist', codecommit, 'stages[2].actions[0].actionTypeId.version', '2', 'provider-version', ['CloudFormation', 'version 1', 'not 2']],
  ['a pipeline name with a dot, on the AWS runtime', codecommit, 'name', 'web.app', 'aws-state-machine-name', ['"web.app"', 'letters, digits, - and _', 'Rename'], { options: { runtime: 'aws' } }],
  ['a pipeline name with an @, on the AWS runtime', codecommit, 'name', 'team@webapp', 'aws-state-machine-name', ['"team@webapp"'], { options: { runtime: 'aws' } }],
  ['a PARAMETER_STORE CodeBuild variable on the local runtime with no SSM endpoint', codecommit, 'stages[1].actions[0].configuration.EnvironmentVariables', JSON.stringify([{ name: 'DB_PASSWORD', value: '/db/password', type: 'PARAMETER_STORE' }]), 'configuration-value', ['DB_PASSWORD comes from Parameter Store', 'AWS_ENDPOINT_URL_SSM or AWS_ENDPOINT_URL'], { options: { runtime: 'local', endpoints: ['secretsmanager'] } }],
  ['a SECRETS_MANAGER CodeBuild variable on the local runtime with no Secrets Manager endpoint', codecommit, 'stages[1].actions[0].configuration.EnvironmentVariables', JSON.stringify([{ name: 'TOKEN', value: 'ci/token:value', type: 'SECRETS_MANAGER' }]), 'configuration-value', ['TOKEN comes from Secrets Manager', 'AWS_ENDPOINT_URL_SECRETS_MANAGER'], { options: { runtime: 'local', endpoints: ['ssm'] } }],
  ['a CodeBuild variable type that CodeBuild does not know', codecommit, 'stages[1].actions[0].configuration.EnvironmentVariables', JSON.stringify([{ name: 'TOKEN', value: 'x', type: 'PARAMETERSTORE' }]), 'configuration-value', ['TOKEN', 'PLAINTEXT, PARAMETER_STORE, SECRETS_MANAGER']],
  ['CodeBuild BatchEnabled on the local runtime', codecommit, 'stages[1].actions[0].configuration.BatchEnabled', 'true', 'configuration-runtime', ['CodeBuild on the local runtime does not honour BatchEnabled', 'batch builds run on the AWS runtime only', 'the local CodeBuild runs one build', 'Remove BatchEnabled'], { options: { runtime: 'local' } }],
  ['CodeBuild CombineArtifacts on the local runtime', codecommit, 'stages[1].actions[0].configuration.CombineArtifacts', 'false', 'configuration-runtime', ['does not honour CombineArtifacts', "combines a batch build's artifacts", 'batch builds run on the AWS runtime only', 'Remove CombineArtifacts'], { options: { runtime: 'local' } }],
  ['CodeBuild BatchEnabled that is not a boolean', codecommit, 'stages[1].actions[0].configuration.BatchEnabled', 'yes', 'configuration-value', ['BatchEnabled must be true or false, not "yes"'], { options: { runtime: 'aws' } }],
  ['CodeBuild BatchEnabled that holds a variable', codecommit, 'stages[1].actions[0].configuration.BatchEnabled', '#{codepipeline.PipelineExecutionId}', 'configuration-value', ['BatchEnabled must be true or false', 'cannot hold a variable'], { options: { runtime: 'aws' } }],
  ['CodeBuild CombineArtifacts without BatchEnabled', codecommit, 'stages[1].actions[0].configuration.CombineArtifacts', 'true', 'configuration-value', ['CombineArtifacts combines the artifacts of a batch build', 'set BatchEnabled to true'], { excludes: ['Known keys'], options: { runtime: 'aws' } }],
  ['CodeCommit PollForSourceChanges neither true nor false', codecommit, 'stages[0].actions[0].configuration.PollForSourceChanges', 'False', 'configuration-value', ['PollForSourceChanges must be "true" or "false", not "False"']],
  ['a misspelt CodeBuild configuration key', codecommit, 'stages[1].actions[0].configuration.ProjectNmae', 'typo', 'configuration-unknown', ['"ProjectNmae"', 'ProjectName', 'PrimarySource', 'EnvironmentVariables', 'BuildSpec']],
  ['an inline BuildSpec that is not a buildspec', codecommit, 'stages[1].actions[0].configuration.BuildSpec', 'version: 0.2\nphases:\n  biuld:\n    commands: [make]\n', 'configuration-value', ['inline BuildSpec', 'biuld']],
  ['CodeBuild with no input artifact', codecommit, 'stages[1].actions[0].inputArtifacts', [], 'input-artifact-count', ['CodeBuild', '1 to 5', 'has 0']],
  ['commands on a CodeBuild action', codecommit, 'stages[1].actions[0].commands', ['npm test'], 'commands-only', ['commands', 'CodeBuild']],
  ['output artifact files on a CodeBuild action', codecommit, 'stages[1].actions[0].outputArtifacts[0].files', ['dist/**'], 'commands-only', ['outputArtifacts[].files', 'CodeBuild']],
  ['two actions producing BuildArtifacts', v2, 'stages[1].actions[1].outputArtifacts[0].name', 'BuildArtifacts', 'output-artifact-unique', ['"BuildArtifacts"', 'stages[1].actions[0]', '"Build"']],
  ['an input artifact nobody produces', codecommit, 'stages[2].actions[0].inputArtifacts[0].name', 'NoSuchArtifact', 'input-artifact-unknown', ['"NoSuchArtifact"', 'Artifact_MyWebsiteStack', 'my-project-BuildArtifact']],
  ['the reserved namespace codepipeline', v2, 'stages[1].actions[0].namespace', 'codepipeline', 'namespace-reserved', ['"codepipeline"', 'reserved']],
  ['a namespace used by two actions', v2, 'stages[1].actions[1].namespace', 'SourceVariables', 'namespace-unique', ['"SourceVariables"', 'stages[0].actions[0]', '"ApplicationSource"']],
  ['a reference to a namespace nobody declares', v2, 'stages[1].actions[1].configuration.ProjectName', 'project-#{BuildVariables.ImageTag}', 'namespace-unknown', ['#{BuildVariables.ImageTag}', '"BuildVariables"', 'SourceVariables']],
  ['an unknown execution variable #{codepipeline.Nope}', v2, 'stages[1].actions[1].configuration.ProjectName', 'project-#{codepipeline.Nope}', 'variable-unknown', ['#{codepipeline.Nope}', 'PipelineExecutionId']],
  ['an undeclared pipeline variable #{variables.nope}', v2, 'stages[1].actions[1].configuration.ProjectName', 'project-#{variables.nope}', 'variable-unknown', ['#{variables.nope}', '"nope"', 'MyVariable']],
  ['a variable the source provider does not export #{SourceVariables.NotExported}', v2, 'stages[1].actions[1].configuration.ProjectName', 'project-#{SourceVariables.NotExported}', 'variable-unknown', ['#{SourceVariables.NotExported}', '"NotExported"', '"ApplicationSource"', 'CommitId', 'FullRepositoryName']],
  ['a trigger naming an action that is not a source', v2, 'triggers[0].gitConfiguration.sourceActionName', 'PackageExport', 'trigger-source-action', ['"PackageExport"', 'ApplicationSource']],
  // The message lists the known providers of the same category, and only those.
  ['an unknown Source provider', codecommit, 'stages[0].actions[0].actionTypeId.provider', 'GitHubEnterprise', 'provider-unknown', ['AWS/GitHubEnterprise', 'AWS/S3', 'AWS/CodeCommit', 'AWS/CodeStarSourceConnection', 'Custom/Git'], { excludes: ['AWS/CodeBuild', 'AWS/CloudFormation', 'AWS/Manual'] }],
];

// prettier-ignore
const structuralMutations: MutateCase[] = [
  ['CodeBuild CombineArtifacts with two output artifacts', codecommit, (d) => {
    const build = d.stages[1].actions[0];
    build.configuration = { ...build.configuration, BatchEnabled: 'true', CombineArtifacts: 'true' };
    build.outputArtifacts.push({ name: 'Reports' });
  }, 'stages[1].actions[0].configuration.CombineArtifacts', 'configuration-value', ["puts every build's artifacts into one output artifact", 'this action declares 2'], { options: { runtime: 'aws' } }],
  ['a namespace on a CodeBuild batch build', codecommit, (d) => {
    const build = d.stages[1].actions[0];
    build.configuration = { ...build.configuration, BatchEnabled: 'true' };
    build.namespace = 'BuildVariables';
  }, 'stages[1].actions[0].configuration.BatchEnabled', 'configuration-value', ['no output variables for a batch build', 'namespace "BuildVariables"'], { options: { runtime: 'aws' } }],
  ['triggers on a pipeline that says V1', v2, (d) => { d.pipelineType = 'V1'; }, 'triggers', 'v2-only', ['triggers', 'V2']],
  ['executionMode QUEUED on a pipeline with no pipelineType', codecommit, (d) => { d.executionMode = 'QUEUED'; }, 'executionMode', 'v2-only', ['executionMode', 'V2']],
  ['a rollback on failure in a PARALLEL pipeline', v2, (d) => { d.executionMode = 'PARALLEL'; d.stages[1].onFailure = { result: 'ROLLBACK' }; }, 'stages[1].onFailure.result', 'parallel-rollback', ['PARALLEL', 'roll back']],
  ['a rollback condition on success in a PARALLEL pipeline', v2, (d) => { d.executionMode = 'PARALLEL'; d.stages[1].onSuccess = { conditions: [{ result: 'ROLLBACK' }] }; }, 'stages[1].onSuccess.conditions[0].result', 'parallel-rollback', ['PARALLEL', 'QUEUED or SUPERSEDED']],
  ['onFailure.result RETRY without a retry mode', codecommit, (d) => { d.stages[1].onFailure = { result: 'RETRY' }; }, 'stages[1].onFailure.retryConfiguration.retryMode', 'retry-mode', ['RETRY', 'FAILED_ACTIONS', 'ALL_ACTIONS']],
  ['retryConfiguration with onFailure.result FAIL', codecommit, (d) => { d.stages[1].onFailure = { result: 'FAIL', retryConfiguration: { retryMode: 'FAILED_ACTIONS' } }; }, 'stages[1].onFailure.retryConfiguration', 'retry-configuration', ['RETRY']],
  ['a pipeline variable declared twice', v2, (d) => { d.variables.push({ name: 'MyVariable', defaultValue: '2' }); }, 'variables[1].name', 'variable-name-unique', ['"MyVariable"', 'variables[0]']],
  ['an approval action in the first stage', codecommit, (d) => { d.stages[0].actions.push(manualApproval('ApproveEarly')); }, 'stages[0].actions[1].actionTypeId.category', 'first-stage-sources-only', ['"ApproveEarly"', 'Approval']],
  ['CodeCommit without BranchName', codecommit, (d) => { delete d.stages[0].actions[0].configuration.BranchName; }, 'stages[0].actions[0].configuration.BranchName', 'configuration-required', ['CodeCommit', 'BranchName']],
  ['CodeCommit with two output artifacts', codecommit, (d) => { d.stages[0].actions[0].outputArtifacts.push({ name: 'SecondSourceArtifact' }); }, 'stages[0].actions[0].outputArtifacts', 'output-artifact-count', ['CodeCommit', 'exactly 1', 'has 2']],
  ['an input artifact listed twice', codecommit, (d) => { d.stages[1].actions[0].inputArtifacts.push({ name: 'Artifact_MyWebsiteStack' }); }, 'stages[1].actions[0].inputArtifacts[1].name', 'input-artifact-unique', ['"Artifact_MyWebsiteStack"']],
  ['an input artifact produced by a parallel action (same runOrder, same stage)', v2, (d) => { d.stages[1].actions[1].inputArtifacts = [{ name: 'BuildArtifacts' }]; }, 'stages[1].actions[1].inputArtifacts[0].name', 'input-artifact-order', ['"BuildArtifacts"', '"Build"', '"PackageExport"', 'runOrder']],
  ['a reference to the namespace of a parallel action', v2, (d) => { d.stages[1].actions[0].namespace = 'BuildVariables'; d.stages[1].actions[1].configuration.ProjectName = 'project-#{BuildVariables.ImageTag}'; }, 'stages[1].actions[1].configuration.ProjectName', 'namespace-order', ['#{BuildVariables.ImageTag}', '"Build"', '"PackageExport"']],
  ['a trigger with neither push nor pullRequest', v2, (d) => { delete d.triggers[0].gitConfiguration.push; delete d.triggers[0].gitConfiguration.pullRequest; }, 'triggers[0].gitConfiguration', 'trigger-filter', ['push', 'pullRequest']],
  ['a source action in the second stage', codecommit, addLateSource, 'stages[1].actions[1].actionTypeId.category', 'source-in-first-stage', ['"LateSource"', 'first stage']],
  ['an unknown Build provider', codecommit, (d) => { d.stages[1].actions[0].actionTypeId.owner = 'ThirdParty'; d.stages[1].actions[0].actionTypeId.provider = 'Jenkins'; }, 'stages[1].actions[0].actionTypeId.provider', 'provider-unknown', ['ThirdParty/Jenkins', 'Known Build providers: AWS/CodeBuild.'], { excludes: ['AWS/CodeCommit'] }],
  ['a CodeDeploy deploy on the local runtime', codecommit, deployWithCodeDeploy, 'stages[2].actions[0].actionTypeId.provider', 'provider-runtime', ['AWS/CodeDeploy', 'not available on the local runtime'], { options: { runtime: 'local' } }],
  ['a CloudFormation deploy on the local runtime, with no AWS credentials', codecommit, () => {}, 'stages[2].actions[0].actionTypeId.provider', 'aws-credentials', ['"ExecuteChangeSet"', 'cloudformation', 'AWS_ACCESS_KEY_ID', 'AWS_ENDPOINT_URL'], { options: { runtime: 'local', awsCredentials: false } }],
  ['a CloudFormation change set mode without ChangeSetName', codecommit, (d) => { delete d.stages[2].actions[0].configuration.ChangeSetName; }, 'stages[2].actions[0].configuration.ChangeSetName', 'configuration-value', ['ChangeSetName', 'CHANGE_SET_EXECUTE']],
  ['a CloudFormation ActionMode CodePipeline does not have', codecommit, (d) => { d.stages[2].actions[0].configuration.ActionMode = 'CREATE_OR_UPDATE'; }, 'stages[2].actions[0].configuration.ActionMode', 'configuration-value', ['CREATE_UPDATE, DELETE_ONLY', 'not "CREATE_OR_UPDATE"']],
  ['CloudFormation ParameterOverrides that are not a JSON object', codecommit, (d) => { d.stages[2].actions[0].configuration.ParameterOverrides = '["ProjectId"]'; }, 'stages[2].actions[0].configuration.ParameterOverrides', 'configuration-value', ['ParameterOverrides must be a JSON object']],
  ['a CloudFormation TemplatePath without its artifact', codecommit, (d) => { d.stages[2].actions[0].configuration.TemplatePath = 'template-export.yml'; }, 'stages[2].actions[0].configuration.TemplatePath', 'configuration-value', ['ArtifactName::path', '"template-export.yml"']],
  ['a CloudFormation capability that does not exist', codecommit, (d) => { d.stages[2].actions[0].configuration.Capabilities = 'CAPABILITY_IAM,CAPABILITY_ALL'; }, 'stages[2].actions[0].configuration.Capabilities', 'configuration-value', ['CAPABILITY_NAMED_IAM', 'not CAPABILITY_ALL']],
  ['an Elastic Beanstalk deploy, which Sluice does not have yet', codecommit, (d) => { d.stages[2].actions[0].actionTypeId.provider = 'ElasticBeanstalk'; d.stages[2].actions[0].configuration = { ApplicationName: 'app', EnvironmentName: 'prod' }; }, 'stages[2].actions[0].actionTypeId.provider', 'provider-not-yet', ['AWS/ElasticBeanstalk', 'Elastic Beanstalk', 'not supported by Sluice yet'], { excludes: ['Unknown'] }],
  ['an S3 deploy with a canned ACL on the local runtime, whose embedded S3 keeps none', codecommit, (d) => { deployToS3WithoutObjectKey(d); d.stages[2].actions[0].configuration = { BucketName: 'site', Extract: 'true', CannedACL: 'public-read' }; }, 'stages[2].actions[0].configuration.CannedACL', 'configuration-runtime', ['CannedACL', 'local runtime', 'keeps no ACLs'], { options: { runtime: 'local' } }],
  ['an artifact store key, on the local runtime', codecommit, (d) => { d.artifactStore.encryptionKey = { id: 'alias/artifacts', type: 'KMS' }; }, 'artifactStore.encryptionKey', 'artifact-store-runtime', ['"alias/artifacts"', 'embedded S3', 'Remove encryptionKey'], { options: { runtime: 'local' } }],
  ['artifactStores without a store for the home region, on the AWS runtime', codecommit, (d) => { delete d.artifactStore; d.artifactStores = { 'eu-west-1': { type: 'S3', location: 'west-artifacts' } }; }, 'artifactStores', 'artifact-store-region', ['no store for us-east-1', 'it has eu-west-1', 'Add artifactStores.us-east-1'], { options: { runtime: 'aws', homeRegion: 'us-east-1' } }],
  ['a CodeBuild action in another region, on the AWS runtime', v2, (d) => { delete d.artifactStore; d.artifactStores = { 'us-east-1': { type: 'S3', location: 'east-artifacts' }, 'us-west-2': { type: 'S3', location: 'west-artifacts' } }; }, 'stages[1].actions[0].region', 'cross-region-action', ['CodeBuild actions cannot run in another region', 'codebuild:startBuild.sync', 'Remove region, or make it us-east-1'], { options: { runtime: 'aws', homeRegion: 'us-east-1' } }],
  ['a region on a CodeBuild action, on the local runtime', v2, () => {}, 'stages[1].actions[0].region', 'action-role-region', ['CodeBuild', 'local runtime', 'Remove region'], { options: { runtime: 'local' } }],
  ['an S3 deploy that neither extracts nor names an object key', codecommit, deployToS3WithoutObjectKey, 'stages[2].actions[0].configuration.ObjectKey', 'configuration-value', ['ObjectKey', 'Extract is false']],
  ['a Commands action without commands', v2, (d) => { const action = commandsAction(); delete action.commands; d.stages[1].actions.push(action); }, 'stages[1].actions[2].commands', 'commands-required', ['Commands', 'commands']],
  ['an environment variable set twice', v2, (d) => { d.stages[1].actions.push(commandsAction({ environmentVariables: [{ name: 'DEPLOY_STAGE', value: 'beta' }, { name: 'DEPLOY_STAGE', value: 'prod' }] })); }, 'stages[1].actions[2].environmentVariables[1].name', 'environment-variable-unique', ['"DEPLOY_STAGE"', 'environmentVariables[0]']],
  ['an environment variable with CodeBuild\'s own prefix', v2, (d) => { d.stages[1].actions.push(commandsAction({ environmentVariables: [{ name: 'DEPLOY_STAGE', value: 'beta' }, { name: 'CODEBUILD_SRC_DIR', value: 'src' }] })); }, 'stages[1].actions[2].environmentVariables[1].name', 'environment-variable-reserved', ['"CODEBUILD_SRC_DIR"', 'CODEBUILD_']],
  ['the reserved namespace variables', v2, nameSourceNamespaceVariables, 'stages[0].actions[0].namespace', 'namespace-reserved', ['"variables"', 'reserved']],
  ['a variable in commands that the Commands action does not declare', v2, referToUndeclaredCommandsVariable, 'stages[2].actions[0].configuration.CustomData', 'variable-unknown', ['#{TestVariables.COVERAGE}', '"RunTests"', 'REPORT_URL']],
  // Stage conditions and their rules.
  ['an unknown rule provider', v2, gateBuild([rule('Gate', 'SecurityScan')]), 'stages[1].beforeEntry.conditions[0].rules[0].ruleTypeId.provider', 'rule-unknown', ['SecurityScan', 'VariableCheck', 'DeploymentWindow', 'CloudWatchAlarm', 'LambdaInvoke', 'Commands']],
  ['an entry condition whose result is ROLLBACK', v2, gateBuild([variableCheck('Gate')], 'ROLLBACK'), 'stages[1].beforeEntry.conditions[0].result', 'condition-result', ['FAIL or SKIP', 'not ROLLBACK']],
  ['a success condition whose result is SKIP', v2, (d) => { d.stages[1].onSuccess = { conditions: [{ result: 'SKIP', rules: [variableCheck('Gate')] }] }; }, 'stages[1].onSuccess.conditions[0].result', 'condition-result', ['ROLLBACK or FAIL', 'not SKIP']],
  ['a failure condition whose result is FAIL', v2, (d) => { d.stages[1].onFailure = { conditions: [{ result: 'FAIL', rules: [variableCheck('Gate')] }] }; }, 'stages[1].onFailure.conditions[0].result', 'condition-result', ['onFailure condition', 'ROLLBACK', 'not FAIL']],
  ['a failure condition beside onFailure.result RETRY', v2, (d) => { d.stages[1].onFailure = { result: 'RETRY', retryConfiguration: { retryMode: 'FAILED_ACTIONS' }, conditions: [{ result: 'ROLLBACK', rules: [variableCheck('Gate')] }] }; }, 'stages[1].onFailure.conditions', 'failure-condition-result', ['ROLLBACK', 'not RETRY']],
  ['a failure condition in a PARALLEL pipeline', v2, (d) => { d.executionMode = 'PARALLEL'; d.stages[1].onFailure = { conditions: [{ result: 'ROLLBACK', rules: [variableCheck('Gate')] }] }; }, 'stages[1].onFailure.conditions[0].result', 'parallel-rollback', ['PARALLEL', 'roll back']],
  ['an entry condition without a result', v2, (d) => { d.stages[1].beforeEntry = { conditions: [{ rules: [variableCheck('Gate')] }] }; }, 'stages[1].beforeEntry.conditions[0].result', 'condition-result', ['FAIL or SKIP']],
  ['a condition without rules', v2, (d) => { d.stages[1].beforeEntry = { conditions: [{ result: 'FAIL' }] }; }, 'stages[1].beforeEntry.conditions[0].rules', 'condition-rules', ['every rule']],
  ['two rules of one condition with one name', v2, gateBuild([variableCheck('Gate'), variableCheck('Gate')]), 'stages[1].beforeEntry.conditions[0].rules[1].name', 'rule-name-unique', ['"Gate"', 'rules[0]']],
  ['a rule version that does not exist', v2, gateBuild([rule('Gate', 'DeploymentWindow', { ruleTypeId: { category: 'Rule', owner: 'AWS', provider: 'DeploymentWindow', version: '2' }, configuration: { Cron: '* * * ? * *' } })]), 'stages[1].beforeEntry.conditions[0].rules[0].ruleTypeId.version', 'rule-version', ['version 1', 'not 2']],
  ['a CloudWatchAlarm rule on the local runtime with no CloudWatch endpoint', v2, gateBuild([rule('AlarmGate', 'CloudWatchAlarm', { configuration: { AlarmName: 'errors' } })]), 'stages[1].beforeEntry.conditions[0].rules[0].ruleTypeId.provider', 'rule-endpoint', ['"AlarmGate"', 'CloudWatchAlarm', 'AWS_ENDPOINT_URL_CLOUDWATCH'], { options: { runtime: 'local' } }],
  ['a LambdaInvoke rule on the local runtime with no Lambda endpoint', v2, gateBuild([rule('Check', 'LambdaInvoke', { configuration: { FunctionName: 'check' } })]), 'stages[1].beforeEntry.conditions[0].rules[0].ruleTypeId.provider', 'rule-endpoint', ['"Check"', 'AWS_ENDPOINT_URL_LAMBDA'], { options: { runtime: 'local', endpoints: ['cloudwatch'] } }],
  ['a VariableCheck operator CodePipeline does not document', v2, gateBuild([variableCheck('Gate', { Variable: '#{SourceVariables.BranchName}', Value: '3', Operator: 'GT' })]), 'stages[1].beforeEntry.conditions[0].rules[0].configuration.Operator', 'configuration-value', ['EQ, NE, CONTAINS, MATCHES', 'not GT']],
  ['a VariableCheck without Operator', v2, gateBuild([variableCheck('Gate', { Variable: '#{SourceVariables.BranchName}', Value: 'main' })]), 'stages[1].beforeEntry.conditions[0].rules[0].configuration.Operator', 'configuration-required', ['VariableCheck', 'Operator']],
  ['a DeploymentWindow cron of five fields', v2, gateBuild([rule('Window', 'DeploymentWindow', { configuration: { Cron: 'bogus' } })]), 'stages[1].beforeEntry.conditions[0].rules[0].configuration.Cron', 'configuration-value', ['"bogus"', 'six or seven fields']],
  ['a DeploymentWindow time zone that does not exist', v2, gateBuild([rule('Window', 'DeploymentWindow', { configuration: { Cron: '* * 9-17 ? * MON-FRI', TimeZone: 'Mars/Base' } })]), 'stages[1].beforeEntry.conditions[0].rules[0].configuration.TimeZone', 'configuration-value', ['"Mars/Base"', 'IANA']],
  ['a CloudWatchAlarm WaitTime longer than a Lambda runs', v2, gateBuild([rule('AlarmGate', 'CloudWatchAlarm', { configuration: { AlarmName: 'errors', WaitTime: '60' } })]), 'stages[1].beforeEntry.conditions[0].rules[0].configuration.WaitTime', 'configuration-value', ['0 to 14', 'not 60']],
  ['a Commands rule without commands', v2, gateBuild([rule('Smoke', 'Commands', { inputArtifacts: [{ name: 'SourceArtifact' }] })]), 'stages[1].beforeEntry.conditions[0].rules[0].commands', 'commands-required', ['Commands']],
  ['commands on a VariableCheck rule', v2, gateBuild([variableCheck('Gate', { Variable: 'a', Value: 'a', Operator: 'EQ' })].map((entry) => ({ ...entry, commands: ['true'] }))), 'stages[1].beforeEntry.conditions[0].rules[0].commands', 'commands-only', ['VariableCheck']],
  ['a failure condition reading an artifact of its own stage, whose actions may not have run', v2, (d) => { d.stages[1].onFailure = { conditions: [{ result: 'ROLLBACK', rules: [rule('Smoke', 'Commands', { commands: ['true'], inputArtifacts: [{ name: 'BuildArtifacts' }] })] }] }; }, 'stages[1].onFailure.conditions[0].rules[0].inputArtifacts[0].name', 'input-artifact-unknown', ['"BuildArtifacts"']],
  ['an entry condition reading an artifact of its own stage', v2, gateBuild([rule('Smoke', 'Commands', { commands: ['true'], inputArtifacts: [{ name: 'BuildArtifacts' }] })]), 'stages[1].beforeEntry.conditions[0].rules[0].inputArtifacts[0].name', 'input-artifact-unknown', ['"BuildArtifacts"']],
  ['an entry condition reading a namespace nobody declares', v2, gateBuild([variableCheck('Gate', { Variable: '#{BuildVariables.ImageTag}', Value: 'x', Operator: 'EQ' })]), 'stages[1].beforeEntry.conditions[0].rules[0].configuration.Variable', 'variable-unknown', ['#{BuildVariables.ImageTag}', 'SourceVariables']],
  ['stage conditions on a V1 pipeline', codecommit, (d) => { d.stages[1].beforeEntry = { conditions: [{ result: 'FAIL', rules: [variableCheck('Gate', { Variable: 'a', Value: 'a', Operator: 'EQ' })] }] }; }, 'stages[1].beforeEntry', 'v2-only', ['V2']],
  ['a trigger on a CodeCommit source action', codecommit, triggerOnCodeCommit, 'triggers[0].gitConfiguration.sourceActionName', 'trigger-source-action', ['"source"', 'CodeCommit', 'CodeStarSourceConnection']],
];

const structuralCases: BrokenCase[] = [...structuralSettings.map(settingCase), ...structuralMutations.map(mutatingCase)];

// prettier-ignore
const schemaSettings: SetCase[] = [
  ['runOrder 0', codecommit, 'stages[1].actions[0].runOrder', 0, 'schema', ['runOrder', '1 to 999']],
  ['runOrder 1000', codecommit, 'stages[2].actions[0].runOrder', 1000, 'schema', ['runOrder', '1 to 999']],
  ['a stage name with a space and a !', codecommit, 'stages[1].name', 'Build it!', 'schema', ['stage name', 'letters, digits']],
  ['an artifact name of 101 characters', codecommit, 'stages[0].actions[0].outputArtifacts[0].name', 'a'.repeat(101), 'schema', ['artifact name', '100 characters']],
  ['a namespace with a dot', v2, 'stages[0].actions[0].namespace', 'Source.Variables', 'schema', ['namespace', '@ - _']],
  ['timeoutInMinutes 4', codecommit, 'stages[1].actions[0].timeoutInMinutes', 4, 'schema', ['timeoutInMinutes', '5 to 86400']],
  ['an unknown field at pipeline level', v2, 'pipelineTyp', 'V2', 'unknown-field', ['"pipelineTyp"', 'pipelineType', 'triggers']],
  // Names the offender and lists the fields an action may have, including the right spelling.
  ['the misspelt field runorder on an action', codecommit, 'stages[1].actions[0].runorder', 1, 'unknown-field', ['"runorder"', 'runOrder', 'actionTypeId', 'inputArtifacts']],
];

// prettier-ignore
const schemaMutations: MutateCase[] = [
  ['only one stage', codecommit, (d) => { d.stages = d.stages.slice(0, 1); }, 'stages', 'schema', ['stages', 'at least 2']],
  ['no pipeline name', codecommit, (d) => { delete d.name; }, 'name', 'schema', ['name', 'required']],
  ['no action name', v2, (d) => { delete d.stages[1].actions[1].name; }, 'stages[1].actions[1].name', 'schema', ['stages[1].actions[1].name', 'required']],
  ['51 actions in a stage', codecommit, (d) => { d.stages.push({ name: 'Approvals', actions: Array.from({ length: 51 }, (_, index) => manualApproval(`Approve-${index}`)) }); }, 'stages[3].actions', 'schema', ['actions', 'at most 50']],
];

const schemaCases: BrokenCase[] = [...schemaSettings.map(settingCase), ...schemaMutations.map(mutatingCase)];

describe('validatePipeline on broken declarations', () => {
  test.each([
    ['codecommit-codebuild-cloudformation.yml', codecommit],
    ['v2-triggers-variables-parallel.json', v2],
  ])('the unbroken base %s is valid, so every failure below comes from its mutation', (_name, base) => {
    const result = run(base());
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
  });

  // Every structural rule that lib/core/validate.ts reports has at least one case above.
  test('the structural table covers every structural rule', () => {
    expect(new Set(structuralCases.map((entry) => entry.rule))).toEqual(new Set(STRUCTURAL_RULES));
    const all = [...structuralCases, ...schemaCases];
    expect(new Set(all.map((entry) => `${entry.rule} @ ${entry.path}`)).size).toBeGreaterThanOrEqual(30);
  });

  describe.each([
    ['structural rules', structuralCases],
    ['schema', schemaCases],
  ])('%s', (_group, cases) => {
    test.each(cases.map((entry) => [entry.title, entry] as const))('%s', (_title, entry) => {
      const declaration = entry.base();
      if ('set' in entry) setAt(declaration, entry.path, entry.set);
      else entry.mutate(declaration);
      const problems = problemsOf(run(declaration, entry.options));
      const problem = findProblem(problems, entry.path, entry.rule);
      expect(problem.message.trim()).not.toBe('');
      for (const text of entry.mentions) expect(problem.message).toContain(text);
      for (const text of entry.excludes ?? []) expect(problem.message).not.toContain(text);
      for (const other of problems) {
        expect(typeof other.path).toBe('string');
        expect(other.rule).not.toBe('');
        expect(other.message).not.toBe('');
      }
    });
  });

  test('accepts a CodeBuild batch build on the AWS runtime, with its artifacts combined or not', () => {
    for (const batch of [{ BatchEnabled: 'true' }, { BatchEnabled: 'TRUE', CombineArtifacts: 'true' }, { BatchEnabled: 'false', CombineArtifacts: 'false' }]) {
      const declaration = codecommit();
      const action = declaration.stages[1].actions[0];
      action.configuration = { ...action.configuration, ...batch };
      expect(run(declaration, { runtime: 'aws' }).problems).toEqual([]);
    }
  });

  test('accepts a polled CodeCommit source on both runtimes', () => {
    for (const runtime of ['aws', 'local'] as const) {
      const declaration = codecommit();
      const source = declaration.stages[0].actions[0];
      source.configuration = { ...source.configuration, PollForSourceChanges: 'true' };
      expect(run(declaration, { runtime }).problems).toEqual([]);
    }
  });

  test('schema problems stop validation before the structural rules run', () => {
    // A bad runOrder plus a duplicate stage name: only the schema problem is reported.
    const declaration = codecommit();
    declaration.stages[1].actions[0].runOrder = 0;
    declaration.stages[2].name = 'Build';
    const problems = problemsOf(run(declaration));
    expect(problems.map((problem) => problem.rule)).toEqual(['schema']);
  });

  test('several independent problems are all reported at once', () => {
    const declaration = codecommit();
    declaration.stages[2].name = 'Build';
    declaration.stages[1].actions[0].actionTypeId.provider = 'Jenkins';
    declaration.stages[2].actions[0].inputArtifacts[0].name = 'Ghost';
    const problems = problemsOf(run(declaration));

    expect(findProblem(problems, 'stages[2].name', 'stage-name-unique').message).toContain('"Build"');
    expect(findProblem(problems, 'stages[1].actions[0].actionTypeId.provider', 'provider-unknown').message).toContain('AWS/Jenkins');
    expect(findProblem(problems, 'stages[2].actions[0].inputArtifacts[0].name', 'input-artifact-unknown').message).toContain('"Ghost"');
    expect(problems).toHaveLength(3);
  });

  test('problems are listed once each, in a stable order', () => {
    const declaration = codecommit();
    declaration.stages[2].name = 'Build';
    declaration.stages[2].actions[0].inputArtifacts[0].name = 'Ghost';
    const first = problemsOf(run(structuredClone(declaration)));
    const second = problemsOf(run(structuredClone(declaration)));
    expect(second).toEqual(first);
    expect(new Set(first.map((problem) => `${problem.rule} @ ${problem.path}`)).size).toBe(first.length);
  });

  test('a failing declaration is not modified by validation', () => {
    const declaration = v2();
    declaration.stages[1].actions[1].configuration.ProjectName = '#{variables.nope}';
    const before = structuredClone(declaration);
    problemsOf(run(declaration));
    expect(declaration).toEqual(before);
  });
});

describe('stage conditions', () => {
  test.each([
    ['unknown-rule.yml', 'stages[1].beforeEntry.conditions[0].rules[0].ruleTypeId.provider', 'rule-unknown', 'SecurityScan'],
    ['bad-condition-result.yml', 'stages[1].beforeEntry.conditions[0].result', 'condition-result', 'FAIL or SKIP'],
  ])('the broken fixture %s is refused at %s', (file, at, rule, mention) => {
    const problems = problemsOf(run(loadFixture(`broken/${file}`)));
    expect(findProblem(problems, at, rule).message).toContain(mention);
    expect(problems).toHaveLength(1);
  });

  test('every result CodePipeline allows and Sluice carries out, and every rule provider, validate on both runtimes', () => {
    const declaration = v2();
    // What a runtime refuses apart from conditions: an artifact store, and a region on a build that runs locally.
    delete declaration.artifactStore;
    delete declaration.stages[1].actions[0].region;
    declaration.stages[1].beforeEntry = {
      conditions: [
        {
          result: 'SKIP',
          rules: [
            variableCheck('OnMain'),
            rule('Window', 'DeploymentWindow', { configuration: { Cron: '* 0/15 9-17 ? * MON-FRI', TimeZone: 'Europe/Paris' } }),
            rule('Smoke', 'Commands', { commands: ['test -f README.md'], inputArtifacts: [{ name: 'SourceArtifact' }] }),
            rule('Alarm', 'CloudWatchAlarm', { configuration: { AlarmName: 'errors', AlarmStates: 'ALARM,INSUFFICIENT_DATA', WaitTime: '5' } }),
            rule('Check', 'LambdaInvoke', { configuration: { FunctionName: 'check', UserParameters: '#{variables.MyVariable}' } }),
          ],
        },
      ],
    };
    declaration.stages[1].onSuccess = {
      conditions: [{ result: 'FAIL', rules: [rule('Built', 'Commands', { commands: ['true'], inputArtifacts: [{ name: 'BuildArtifacts' }] })] }],
    };
    expect(run(declaration, { runtime: 'aws' }).problems).toEqual([]);
    expect(run(declaration, { runtime: 'local', endpoints: ['cloudwatch', 'lambda'] }).problems).toEqual([]);
    declaration.stages[1].onSuccess = { conditions: [{ result: 'ROLLBACK', rules: [variableCheck('Healthy')] }] };
    declaration.stages[1].onFailure = { result: 'ROLLBACK' };
    expect(run(declaration, { runtime: 'aws' }).problems).toEqual([]);
    expect(run(declaration, { runtime: 'local', endpoints: ['cloudwatch', 'lambda'] }).problems).toEqual([]);
    // A failure condition, with or without onFailure.result ROLLBACK beside it.
    const failureCondition = {
      result: 'ROLLBACK',
      rules: [rule('Reachable', 'Commands', { commands: ['true'], inputArtifacts: [{ name: 'SourceArtifact' }] })],
    };
    declaration.stages[1].onFailure = { result: 'ROLLBACK', conditions: [failureCondition] };
    expect(run(declaration, { runtime: 'aws' }).problems).toEqual([]);
    declaration.stages[1].onFailure = { conditions: [failureCondition] };
    expect(run(declaration, { runtime: 'local', endpoints: ['cloudwatch', 'lambda'] }).problems).toEqual([]);
  });
});

describe('CodeBuild secret variables', () => {
  it('are accepted on AWS, and locally where an endpoint reaches their service', () => {
    const declaration = codecommit();
    // Without the CloudFormation stage, and without what a runtime refuses besides: the artifact store, and the build's region locally.
    declaration.stages = declaration.stages.slice(0, 2);
    delete declaration.artifactStore;
    delete declaration.stages[1].actions[0].region;
    declaration.stages[1].actions[0].configuration.EnvironmentVariables = JSON.stringify([
      { name: 'DB_PASSWORD', value: '/db/password', type: 'PARAMETER_STORE' },
      { name: 'TOKEN', value: 'ci/token:value', type: 'SECRETS_MANAGER' },
    ]);
    expect(run(declaration, { runtime: 'aws' }).problems).toEqual([]);
    expect(run(declaration, { runtime: 'local', endpoints: ['ssm', 'secretsmanager'] }).problems).toEqual([]);
  });
});

describe('the {pipeline, metadata} wrapper of get-pipeline output', () => {
  const metadata = {
    pipelineArn: 'arn:aws:codepipeline:us-west-2:123456789012:MyPipeline',
    created: '2024-05-07T10:00:00.000Z',
    updated: '2024-05-08T11:30:00.000Z',
    pollingDisabledAt: '2024-05-08T11:30:00.000Z',
  };

  test('is accepted, and the pipeline inside it is what comes back', () => {
    const result = run({ pipeline: v2(), metadata });
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.pipeline.name).toBe('MyPipeline');
      expect(result.pipeline.stages.map((stage) => stage.name)).toEqual(['Source', 'Build']);
      expect(result.pipeline).not.toHaveProperty('metadata');
    }
  });

  test('reports paths relative to the pipeline object, not to the wrapper', () => {
    const pipeline = codecommit();
    pipeline.stages[2].actions[0].inputArtifacts[0].name = 'Ghost';
    const problems = problemsOf(run({ pipeline, metadata }));
    findProblem(problems, 'stages[2].actions[0].inputArtifacts[0].name', 'input-artifact-unknown');
    expect(problems.every((problem) => !problem.path.startsWith('pipeline'))).toBe(true);

    const schemaBroken = codecommit();
    schemaBroken.stages[1].actions[0].runorder = 1;
    findProblem(problemsOf(run({ pipeline: schemaBroken, metadata })), 'stages[1].actions[0].runorder', 'unknown-field');
  });

  test('is not unwrapped when it has other fields besides pipeline and metadata', () => {
    const problems = problemsOf(run({ pipeline: v2(), metadata, tags: [] }));
    expect(problems.some((problem) => problem.rule === 'unknown-field' && problem.message.includes('"pipeline"'))).toBe(true);
  });
});

describe('broken declaration fixtures', () => {
  test.each([
    ['retry-without-retry-mode.yml', 'stages[1].onFailure.retryConfiguration.retryMode', 'retry-mode'],
    ['rollback-in-parallel.yml', 'stages[1].onFailure.result', 'parallel-rollback'],
  ])('%s parses, and validation refuses it at %s with rule %s', (file, at, rule) => {
    const problems = problemsOf(run(loadFixture(`broken/${file}`)));
    expect(problems).toEqual([expect.objectContaining({ path: at, rule })]);
  });
});

describe('parseDeclarationText on broken text', () => {
  function parse(text: string) {
    let parsed: ReturnType<typeof parseDeclarationText> | undefined;
    expect(() => {
      parsed = parseDeclarationText(text);
    }).not.toThrow();
    return parsed!;
  }

  test.each([
    ['an unclosed flow sequence (fixture)', readText('broken/unclosed-flow-sequence.yml')],
    ['a duplicate key (fixture)', readText('broken/duplicate-key.yml')],
    ['truncated JSON', '{"name": "MyPipeline", "stages": [{"name": "Source"'],
    ['a bad indent', 'name: MyPipeline\nstages:\n  - name: Source\n   actions: []\n'],
  ])('%s gives a syntax problem', (_title, text) => {
    const parsed = parse(text);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems.length).toBeGreaterThan(0);
    for (const problem of parsed.problems) {
      expect(problem).toMatchObject({ path: '', rule: 'syntax' });
      expect(problem.message).toContain('Fix the JSON or YAML syntax');
      expect(problem.message.length).toBeGreaterThan('. Fix the JSON or YAML syntax.'.length);
    }
  });

  test.each([
    ['a list', '- name: MyPipeline\n'],
    ['a scalar', 'just a string\n'],
    ['an empty file', ''],
  ])('%s at the top level gives a syntax problem asking for one pipeline object', (_title, text) => {
    const parsed = parse(text);
    expect(parsed).toEqual({
      ok: false,
      problems: [{ path: '', rule: 'syntax', message: expect.stringContaining('one pipeline object') }],
    });
  });

  test('the duplicate-key fixture names the duplicated key', () => {
    const parsed = parse(readText('broken/duplicate-key.yml'));
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problems[0]!.message.toLowerCase()).toContain('unique');
  });
});

describe('schema messages', () => {
  test('a value of the wrong type is reported as the wrong type, not as missing', () => {
    const declaration = codecommit();
    // A YAML boolean where CodePipeline wants the string 'false': a common slip.
    declaration.stages[0].actions[0].configuration.PollForSourceChanges = false;
    declaration.stages[1].actions[0].runOrder = '2';
    const problems = problemsOf(run(declaration));
    const poll = findProblem(problems, 'stages[0].actions[0].configuration.PollForSourceChanges', 'schema');
    const runOrder = findProblem(problems, 'stages[1].actions[0].runOrder', 'schema');
    expect(poll.message).not.toContain('is required');
    expect(runOrder.message).toBe('runOrder must be a number');
  });

  test('an unknown field in an artifactStores entry lists the fields an artifact store may have', () => {
    const declaration = codecommit();
    delete declaration.artifactStore;
    declaration.artifactStores = { 'us-west-2': { type: 'S3', location: 'amzn-s3-demo-bucket', bucket: 'x' } };
    const problem = findProblem(problemsOf(run(declaration)), 'artifactStores.us-west-2.bucket', 'unknown-field');
    expect(problem.message).toContain('type, location, encryptionKey');
  });
});

describe('actions that call AWS, on the local runtime', () => {
  // The CloudFormation deploy of the fixture runs locally through the SDK's credential chain.
  const callingAws = providerCatalog;
  const local = { runtime: 'local' as const, rules: ruleCatalog };
  /** The fixture as either runtime takes it: without the artifact store it names. */
  const localDeclaration = () => {
    const declaration = codecommit();
    delete declaration.artifactStore;
    return declaration;
  };

  test('with credentials they validate', () => {
    expect(validatePipeline(localDeclaration(), callingAws, { ...local, awsCredentials: true }).problems).toEqual([]);
  });

  test('whether credentials are found is asked only of a local declaration whose actions call AWS', async () => {
    const asked: string[] = [];
    const ask = (answer: boolean) => async () => {
      asked.push('asked');
      return answer;
    };
    const withoutAws = localDeclaration();
    withoutAws.stages.pop();
    await expect(validatePipelineAsking(withoutAws, callingAws, local, ask(false))).resolves.toMatchObject({ ok: true });
    await expect(validatePipelineAsking(localDeclaration(), callingAws, { ...local, runtime: 'aws' }, ask(false))).resolves.toMatchObject({ ok: true });
    expect(asked).toEqual([]);
    const refused = await validatePipelineAsking(localDeclaration(), callingAws, local, ask(false));
    expect(asked).toEqual(['asked']);
    expect(refused.problems.map((problem) => problem.rule)).toEqual(['aws-credentials']);
  });

  test('a Lambda invoke whose function runs from a handler file here needs no credentials; one that runs on AWS does', async () => {
    const invoking = localDeclaration();
    invoking.stages.pop();
    invoking.stages.push({
      name: 'Invoke',
      actions: [
        { name: 'Notify', actionTypeId: { category: 'Invoke', owner: 'AWS', provider: 'Lambda', version: '1' }, configuration: { FunctionName: 'notify' } },
      ],
    });
    const asked: string[] = [];
    const noCredentials = async () => {
      asked.push('asked');
      return false;
    };
    const mapped = await validatePipelineAsking(invoking, callingAws, { ...local, handlerFunctions: ['notify'] }, noCredentials);
    expect(mapped).toMatchObject({ ok: true });
    expect(asked).toEqual([]);
    expect(validatePipeline(invoking, callingAws, { ...local, handlerFunctions: ['notify'], awsCredentials: false }).problems).toEqual([]);
    const elsewhere = await validatePipelineAsking(invoking, callingAws, { ...local, handlerFunctions: ['other'] }, noCredentials);
    expect(asked).toEqual(['asked']);
    expect(elsewhere.problems).toEqual([
      expect.objectContaining({
        path: 'stages[2].actions[0].actionTypeId.provider',
        rule: 'aws-credentials',
        message: expect.stringContaining('"Notify" (Lambda) calls AWS lambda'),
      }),
    ]);
  });
});
