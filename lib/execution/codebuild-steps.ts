import { parseEnvironmentVariables } from '../actions/codebuild/environment-variables';
import { BadInputError } from '../core/errors';
import type { ActionStepPayload, ActionStepResult, ArtifactLocation, CodeBuildRequest } from '../core/task-payloads';
import { resolveAction } from '../core/variables';
import { actionLogKey, type ExecutionDependencies } from './dependencies';
import { actionRecord, finishAction, startAction, variableValues } from './action-steps';

const DEFAULT_BUILDSPEC = 'buildspec.yml';

const s3Path = (location: ArtifactLocation) => `${location.bucketName}/${location.objectKey}`;

/**
 * Records the CodeBuild action's start and turns its declaration into StartBuild overrides:
 * the input artifacts become S3 sources, the output artifacts S3 zips at CodePipeline's layout.
 */
export async function prepareBuild(deps: ExecutionDependencies, payload: ActionStepPayload): Promise<CodeBuildRequest> {
  const resolved = resolveAction(payload.action, variableValues(payload));
  const configuration = resolved.configuration ?? {};
  const primaryName = configuration.PrimarySource ?? payload.inputArtifacts[0]?.name;
  const primary = payload.inputArtifacts.find((artifact) => artifact.name === primaryName);
  if (!primary) {
    const names = payload.inputArtifacts.map((artifact) => artifact.name).join(', ');
    throw new BadInputError(`PrimarySource "${primaryName}" is not an input artifact of ${payload.action.name}; its inputs are: ${names}.`);
  }
  const environmentVariables = configuration.EnvironmentVariables === undefined ? [] : parseEnvironmentVariables(configuration.EnvironmentVariables);
  const record = await startAction(deps, payload, resolved);
  const output = (name: string) => ({
    Type: 'S3' as const,
    Location: deps.artifactBucket,
    Path: `${payload.pipeline.name}/${name}`,
    Name: `${deps.newId()}.zip`,
    Packaging: 'ZIP' as const,
    NamespaceType: 'NONE' as const,
  });
  const [first, ...rest] = payload.action.outputArtifacts ?? [];
  return {
    projectName: configuration.ProjectName!,
    sourceLocation: s3Path(primary.location),
    secondarySources: payload.inputArtifacts
      .filter((artifact) => artifact !== primary)
      .map((artifact) => ({ SourceIdentifier: artifact.name, Type: 'S3', Location: s3Path(artifact.location) })),
    buildspec: configuration.BuildSpec ?? DEFAULT_BUILDSPEC,
    environmentVariables: [
      { Name: 'CODEBUILD_INITIATOR', Value: `codepipeline/${payload.pipeline.name}`, Type: 'PLAINTEXT' },
      ...environmentVariables,
    ],
    artifacts: first ? output(first.name) : { Type: 'NO_ARTIFACTS' },
    secondaryArtifacts: rest.map((artifact) => ({ ArtifactIdentifier: artifact.name, ...output(artifact.name) })),
    actionExecutionId: record.actionExecutionId,
    startTime: record.startTime,
  };
}

/** Records the finished build: its artifacts, exported variables and build id. */
export async function completeBuild(deps: ExecutionDependencies, payload: ActionStepPayload): Promise<ActionStepResult> {
  const { request, build } = payload;
  if (!request || !build) throw new BadInputError('completeBuild needs the request from prepareBuild and the Build from CodeBuild.');
  const resolved = resolveAction(payload.action, variableValues(payload));
  const record = actionRecord(deps, payload, resolved, request);
  const locations = [request.artifacts, ...request.secondaryArtifacts].flatMap((artifact) =>
    artifact.Type === 'S3' ? [{ bucketName: artifact.Location, objectKey: `${artifact.Path}/${artifact.Name}` }] : [],
  );
  const variables = Object.fromEntries((build.ExportedEnvironmentVariables ?? []).map(({ Name, Value }) => [Name, Value]));
  const logLocation = {
    bucketName: deps.artifactBucket,
    objectKey: actionLogKey({ pipelineName: payload.pipeline.name, executionId: payload.pipeline.executionId, stageName: payload.stage, actionName: payload.action.name }),
  };
  await finishAction(
    deps,
    payload,
    record,
    {
      status: 'Succeeded',
      outputArtifacts: locations,
      outputVariables: variables,
      externalExecutionId: build.Id,
      ...(build.Logs?.DeepLink ? { externalExecutionUrl: build.Logs.DeepLink } : {}),
    },
    logLocation,
  );
  return { artifacts: locations, variables };
}
