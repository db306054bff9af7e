import { commands, commandsBuildspec } from '../actions/commands';
import { codeBuildIdentifiers } from '../actions/codebuild/identifiers';
import { parseEnvironmentVariables } from '../actions/codebuild/environment-variables';
import { ActionFailedError, BadInputError } from '../core/errors';
import type {
  ActionStepPayload,
  ActionStepResult,
  ArtifactLocation,
  BuildActionExecution,
  BuildArtifactOverride,
  CodeBuildState,
  PreparedBuild,
  StartBuildOverrides,
} from '../core/task-payloads';
import type { ActionDeclaration } from '../core/declaration';
import { providerKey } from '../core/declaration-fields';
import { artifactStoreOf } from '../core/compile';
import { codeBuildBatchOf, type CodeBuildBatchOptions } from '../core/integrations/codebuild';
import { resolveAction } from '../core/variables';
import type { BuildRecord, CodeBuildBuilds } from '../ports/codebuild-builds';
import { actionLogPrefix } from '../artifacts/action-log';
import type { ExecutionDependencies } from './dependencies';
import { actionRecord, finishAction, startAction, variableValues } from './action-steps';
import { batchFailureMessage, batchOutputSources, combineBatchArtifacts, failingBuild, outcomeWords, secondaryArtifactCandidates } from './codebuild-batch';

const s3Path = (location: ArtifactLocation) => `${location.bucketName}/${location.objectKey}`;

/** `<pipeline>/<artifact>/<action execution id>.zip`: CodePipeline's layout, known again when the build ends. */
function outputLocation(deps: ExecutionDependencies, payload: ActionStepPayload, artifactName: string, actionExecutionId: string): ArtifactLocation {
  return { bucketName: bucketOf(deps, payload), objectKey: `${payload.pipeline.name}/${artifactName}/${actionExecutionId}.zip` };
}

const bucketOf = (deps: ExecutionDependencies, payload: ActionStepPayload) => artifactStoreOf(payload.pipeline, deps.artifactBucket).bucketName;

const logRef = (payload: ActionStepPayload) => ({
  pipelineName: payload.pipeline.name,
  executionId: payload.pipeline.executionId,
  stageName: payload.stage,
  actionName: payload.action.name,
});

/** What a build is started with besides its sources and artifacts, from the action's provider. */
interface BuildConfiguration {
  projectName: string;
  /** The input artifact that is the build's primary source. */
  primarySource: string | undefined;
  buildspec?: string;
  environmentVariables: StartBuildOverrides['environmentVariables'];
}

/** A CodeBuild action names its project, primary source, buildspec and variables in its configuration. */
function codeBuildConfiguration(action: ActionDeclaration, payload: ActionStepPayload): BuildConfiguration {
  const configuration = action.configuration ?? {};
  return {
    projectName: configuration.ProjectName!,
    primarySource: configuration.PrimarySource ?? payload.inputArtifacts[0]?.name,
    ...(configuration.BuildSpec === undefined ? {} : { buildspec: configuration.BuildSpec }),
    environmentVariables: configuration.EnvironmentVariables === undefined ? [] : parseEnvironmentVariables(configuration.EnvironmentVariables),
  };
}

/** A Commands action runs on the installation's Commands project, with its commands as the buildspec and its own variables. */
function commandsConfiguration(deps: ExecutionDependencies, action: ActionDeclaration, payload: ActionStepPayload): BuildConfiguration {
  if (!deps.commandsProjectName) {
    throw new Error(
      'Commands actions run on a CodeBuild project that this installation does not name: on AWS, serverless.yml sets COMMANDS_PROJECT_NAME on the action runner; deploy the stack again.',
    );
  }
  return {
    projectName: deps.commandsProjectName,
    primarySource: payload.inputArtifacts[0]?.name,
    buildspec: commandsBuildspec(action),
    environmentVariables: (action.environmentVariables ?? []).map((variable) => ({
      Name: variable.name,
      Value: variable.value,
      Type: variable.type ?? 'PLAINTEXT',
    })),
  };
}

const isCommands = (action: ActionDeclaration) => providerKey(action.actionTypeId) === providerKey(commands.spec);

/**
 * Records the start of a CodeBuild or Commands action and turns its declaration into StartBuild
 * overrides: the input artifacts become S3 sources, the output artifacts S3 zips at CodePipeline's
 * layout, and the build log goes to the action's log prefix.
 */
export async function prepareBuild(deps: ExecutionDependencies, payload: ActionStepPayload): Promise<PreparedBuild> {
  const resolved = resolveAction(payload.action, variableValues(payload));
  const build = isCommands(resolved) ? commandsConfiguration(deps, resolved, payload) : codeBuildConfiguration(resolved, payload);
  const primary = payload.inputArtifacts.find((artifact) => artifact.name === build.primarySource);
  if (!primary) {
    const names = payload.inputArtifacts.map((artifact) => artifact.name).join(', ');
    throw new BadInputError(`PrimarySource "${build.primarySource}" is not an input artifact of ${payload.action.name}; its inputs are: ${names}.`);
  }
  const sourceIdentifiers = codeBuildIdentifiers(
    payload.action.name,
    payload.inputArtifacts.map((artifact) => artifact.name),
  );
  const outputs = payload.action.outputArtifacts ?? [];
  const artifactIdentifiers = codeBuildIdentifiers(
    payload.action.name,
    outputs.map((artifact) => artifact.name),
  );
  const record = await startAction(deps, payload, resolved);
  const output = (name: string): BuildArtifactOverride => {
    const location = outputLocation(deps, payload, name, record.actionExecutionId);
    const slash = location.objectKey.lastIndexOf('/');
    return {
      Type: 'S3',
      Location: location.bucketName,
      Path: location.objectKey.slice(0, slash),
      Name: location.objectKey.slice(slash + 1),
      Packaging: 'ZIP',
      NamespaceType: 'NONE',
    };
  };
  const [first, ...rest] = outputs;
  const batch = isCommands(resolved) ? undefined : codeBuildBatchOf(resolved.configuration);
  // A batch's builds write where CodeBuild puts each build's artifacts (under its build id), and
  // completeBuild reads them there once it knows which build wrote which.
  const staged = (name: string): BuildArtifactOverride => ({
    Type: 'S3',
    Location: bucketOf(deps, payload),
    Path: `${payload.pipeline.name}/batch-builds/${record.actionExecutionId}`,
    Name: name,
    Packaging: 'ZIP',
    NamespaceType: 'BUILD_ID',
  });
  const batchSecondaries = batch && !batch.combineArtifacts ? secondaryArtifactCandidates(outputs.map((artifact) => artifact.name)) : [];
  return {
    execution: { actionExecutionId: record.actionExecutionId, startTime: record.startTime },
    build: {
      projectName: build.projectName,
      sourceLocation: s3Path(primary.location),
      secondarySources: payload.inputArtifacts.flatMap((artifact, index) =>
        artifact === primary ? [] : [{ SourceIdentifier: sourceIdentifiers[index]!, Type: 'S3' as const, Location: s3Path(artifact.location) }],
      ),
      ...(build.buildspec === undefined ? {} : { buildspec: build.buildspec }),
      environmentVariables: build.environmentVariables,
      artifacts: !first ? { Type: 'NO_ARTIFACTS' } : batch ? staged('artifact.zip') : output(first.name),
      secondaryArtifacts: batch
        ? batchSecondaries.map((identifier) => ({ ArtifactIdentifier: identifier, ...staged(`${identifier}.zip`) }))
        : rest.map((artifact, index) => ({ ArtifactIdentifier: artifactIdentifiers[index + 1]!, ...output(artifact.name) })),
      logsConfig: { S3Logs: { Status: 'ENABLED', Location: `${bucketOf(deps, payload)}/${actionLogPrefix(logRef(payload))}` } },
    },
  };
}

function buildsOf(deps: ExecutionDependencies): CodeBuildBuilds {
  if (!deps.builds) throw new Error('The CodeBuild steps need a way to read builds (ExecutionDependencies.builds); compose/ gives one on AWS and locally.');
  return deps.builds;
}

function codeBuildState(payload: ActionStepPayload): CodeBuildState {
  if (!payload.codebuild) throw new BadInputError(`${payload.step} needs $.codebuild, which prepareBuild and StartBuild leave in the execution state.`);
  return payload.codebuild;
}

/** Records the finished build: its artifacts, exported variables, build id, console link and log. */
export async function completeBuild(deps: ExecutionDependencies, payload: ActionStepPayload): Promise<ActionStepResult> {
  const { execution, build: started } = codeBuildState(payload);
  if (!('Id' in started)) throw new BadInputError('completeBuild needs the id of the build that StartBuild started.');
  const batch = codeBuildBatchOf(payload.action.configuration);
  if (batch) return completeBuildBatch(deps, payload, execution, started.Id, batch);
  const build = await buildsOf(deps).getBuild(started.Id);
  if (!build) throw new Error(`CodeBuild knows no build ${started.Id}, which StartBuild reported as finished.`);
  const locations = (payload.action.outputArtifacts ?? []).map(({ name }) => outputLocation(deps, payload, name, execution.actionExecutionId));
  await finishBuild(
    deps,
    payload,
    execution,
    {
      status: 'Succeeded',
      outputArtifacts: locations,
      outputVariables: build.exportedVariables,
      ...(build.reportsSummary ? { summary: build.reportsSummary } : {}),
      externalExecutionId: build.id,
      ...(build.deepLink ? { externalExecutionUrl: build.deepLink } : {}),
    },
    build.s3Log,
  );
  return { artifacts: locations, variables: build.exportedVariables };
}

/**
 * Records the finished batch build: its builds' artifacts as the action's output artifacts (each
 * named after a build identifier, or all combined into one), the batch's id and console link.
 */
async function completeBuildBatch(
  deps: ExecutionDependencies,
  payload: ActionStepPayload,
  execution: BuildActionExecution,
  batchId: string,
  { combineArtifacts }: CodeBuildBatchOptions,
): Promise<ActionStepResult> {
  const batch = await buildsOf(deps).getBuildBatch(batchId);
  if (!batch) throw new Error(`CodeBuild knows no batch build ${batchId}, which StartBuildBatch reported as finished.`);
  const names = (payload.action.outputArtifacts ?? []).map((artifact) => artifact.name);
  const locations = names.map((name) => outputLocation(deps, payload, name, execution.actionExecutionId));
  const { kmsKeyId } = artifactStoreOf(payload.pipeline, deps.artifactBucket);
  const external = { externalExecutionId: batch.id, ...(batch.consoleLink ? { externalExecutionUrl: batch.consoleLink } : {}) };
  if (combineArtifacts && locations[0]) {
    await combineBatchArtifacts(deps.artifacts, batch, locations[0], { workspaceRoot: deps.workspaceRoot, kmsKeyId });
  } else if (!combineArtifacts) {
    const outputs = batchOutputSources(batch, names);
    if (!outputs.ok) {
      const failure = new ActionFailedError(outputs.message);
      await finishBuild(deps, payload, execution, { status: 'Failed', error: failure, ...external });
      throw failure;
    }
    for (const [index, { location }] of outputs.sources.entries()) await deps.artifacts.copyObject(location, locations[index]!, { kmsKeyId });
  }
  await finishBuild(deps, payload, execution, { status: 'Succeeded', outputArtifacts: locations, outputVariables: {}, ...external });
  return { artifacts: locations, variables: {} };
}

/**
 * Records why the build did not succeed, with its id, console link, log and the failed phase's
 * error, and fails the Task with that message. On AWS the Catch's Cause is the failed Build as
 * JSON, so the build is read again for its phases; a Cause that is not JSON (StartBuild refused,
 * a timeout, a local build) says why in its own words.
 */
export async function failBuild(deps: ExecutionDependencies, payload: ActionStepPayload): Promise<never> {
  const { execution, error } = codeBuildState(payload);
  if (codeBuildBatchOf(payload.action.configuration)) return failBuildBatch(deps, payload, execution, error);
  const cause = error?.Cause ?? '';
  const failedBuild = parsedObject(cause);
  const buildId = failedBuild ? idOfBuild(failedBuild, 'Build') : BUILD_ID.exec(cause)?.[0];
  let build: BuildRecord | undefined;
  let unread: string | undefined;
  if (buildId) {
    try {
      build = await buildsOf(deps).getBuild(buildId);
    } catch (readError) {
      // The failure is still recorded, with why its details are missing.
      unread = readError instanceof Error ? readError.message : String(readError);
    }
  }
  const message =
    failedBuild && buildId ? buildFailureMessage(buildId, build, unread) : [error?.Error, cause].filter(Boolean).join(': ') || 'The build did not succeed.';
  const failure = new ActionFailedError(message);
  await finishBuild(
    deps,
    payload,
    execution,
    {
      status: 'Failed',
      error: failure,
      ...(buildId ? { externalExecutionId: buildId } : {}),
      ...(build?.deepLink ? { externalExecutionUrl: build.deepLink } : {}),
    },
    build?.s3Log,
  );
  throw failure;
}

/**
 * Records why the batch build did not succeed: the build that failed, with its phase error and
 * log, every build's status, the batch's id and console link; then fails the Task with that message.
 * A Cause that names no batch (StartBuildBatch refused, a timeout) says why in its own words.
 */
async function failBuildBatch(
  deps: ExecutionDependencies,
  payload: ActionStepPayload,
  execution: BuildActionExecution,
  error: CodeBuildState['error'],
): Promise<never> {
  const cause = error?.Cause ?? '';
  const failedBatch = parsedObject(cause);
  const batchId = failedBatch ? idOfBuild(failedBatch, 'BuildBatch') : undefined;
  let message = [error?.Error, cause].filter(Boolean).join(': ') || 'The batch build did not succeed.';
  let consoleLink: string | undefined;
  let log: ArtifactLocation | undefined;
  if (batchId) {
    try {
      const batch = await buildsOf(deps).getBuildBatch(batchId);
      const failing = batch && failingBuild(batch);
      const build = failing?.buildId ? await buildsOf(deps).getBuild(failing.buildId) : undefined;
      message = batch
        ? batchFailureMessage(batch, failing, build)
        : `Batch build ${batchId} did not succeed; CodeBuild's console has its builds. CodeBuild knows no such batch build.`;
      consoleLink = batch?.consoleLink;
      log = build?.s3Log;
    } catch (readError) {
      // The failure is still recorded, with why its details are missing.
      message = `Batch build ${batchId} did not succeed; CodeBuild's console has its builds. Reading the batch failed: ${readError instanceof Error ? readError.message : String(readError)}`;
    }
  }
  const failure = new ActionFailedError(message);
  await finishBuild(
    deps,
    payload,
    execution,
    { status: 'Failed', error: failure, ...(batchId ? { externalExecutionId: batchId } : {}), ...(consoleLink ? { externalExecutionUrl: consoleLink } : {}) },
    log,
  );
  throw failure;
}

/** Records the build action's end on the record that prepareBuild started. */
function finishBuild(deps: ExecutionDependencies, payload: ActionStepPayload, execution: BuildActionExecution, ...[outcome, log]: FinishArguments) {
  return finishAction(deps, payload, actionRecord(deps, payload, resolveAction(payload.action, variableValues(payload)), execution), outcome, log);
}

type FinishArguments = Parameters<typeof finishAction> extends [unknown, unknown, unknown, ...infer Rest] ? Rest : never;

/** A CodeBuild build id, `<project>:<uuid>`, wherever it appears in a message or a build ARN. */
const BUILD_ID = /[A-Za-z0-9][A-Za-z0-9_-]{1,254}:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

function parsedObject(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The failed Build's (or BuildBatch's) id, whether Step Functions wrapped it as `{Build: ...}` or not, in either case of key. */
function idOfBuild(cause: Record<string, unknown>, wrapper: 'Build' | 'BuildBatch'): string | undefined {
  const lowerCase = wrapper.charAt(0).toLowerCase() + wrapper.slice(1);
  const build = (cause[wrapper] ?? cause[lowerCase] ?? cause) as Record<string, unknown>;
  const id = build.Id ?? build.id;
  return typeof id === 'string' ? id : BUILD_ID.exec(JSON.stringify(cause))?.[0];
}

function buildFailureMessage(buildId: string, build: BuildRecord | undefined, unread: string | undefined): string {
  if (!build)
    return `Build ${buildId} did not succeed; CodeBuild's console has its phases and log. ${unread ? `Reading the build failed: ${unread}` : 'CodeBuild knows no such build.'}`;
  const outcome = outcomeWords(build.status);
  if (!build.failedPhase) return `Build ${build.id} ${outcome}.`;
  const { phase, message } = build.failedPhase;
  return `Build ${build.id} ${outcome} in phase ${phase}${message ? `: ${message}` : ''}`;
}
