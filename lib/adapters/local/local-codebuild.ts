import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Buildspec } from '../../actions/codebuild/buildspec';
import { runLocalBuild, type StagedArtifact } from '../../actions/codebuild/local-build';
import { reportsSummary } from '../../actions/codebuild/test-reports';
import { BadInputError, BuildFailedError } from '../../core/errors';
import { ActionLog, type ActionLogDependencies, type ActionLogRef } from '../../artifacts/action-log';
import type { ArtifactStore } from '../../artifacts/artifact-store';
import { BUILDSPEC_TEXT_LIMITS } from '../../core/text-limits';
import type { StartBuildOverrides } from '../../core/task-payloads';
import type { S3Location } from '../../ports/blob-store';
import type { BuildProcessTracker } from '../../ports/build-processes';
import type { BuildSecrets } from '../../ports/build-secrets';
import { parseBuildspecIsolated } from './isolated-buildspec';
import type { LocalCodeBuildBuilds } from './local-codebuild-builds';

/** CodeBuild's default build timeout, used when the action sets none. */
const DEFAULT_TIMEOUT_MINUTES = 60;
/**
 * There is no project locally whose buildspec would run without an override: the primary source's
 * buildspec.yml runs, as CodeBuild runs it for a project that names none.
 */
const DEFAULT_BUILDSPEC = 'buildspec.yml';

/** What a local build needs: where to work, the artifacts it reads and writes, and where its log goes. */
export interface LocalCodeBuildDependencies extends ActionLogDependencies {
  /** Where build workspaces are made. */
  workspaceRoot: string;
  artifacts: ArtifactStore;
  /** Records the processes a build starts, so that they die with their owner. */
  buildProcesses?: BuildProcessTracker;
  /** Where PARAMETER_STORE and SECRETS_MANAGER variables are read. */
  buildSecrets?: BuildSecrets;
}

/** The StartBuild parameters that the compiled definition passes to `codebuild:startBuild.sync`. */
export interface StartBuildParameters {
  ProjectName: string;
  SourceLocationOverride: string;
  SecondarySourcesOverride: StartBuildOverrides['secondarySources'];
  BuildspecOverride?: string;
  EnvironmentVariablesOverride: StartBuildOverrides['environmentVariables'];
  ArtifactsOverride: StartBuildOverrides['artifacts'];
  SecondaryArtifactsOverride: StartBuildOverrides['secondaryArtifacts'];
  LogsConfigOverride: StartBuildOverrides['logsConfig'];
  TimeoutInMinutesOverride?: number;
}

/** What Step Functions' startBuild.sync returns, in the parts a local build fills. */
export interface StartBuildResult {
  Build: {
    Id: string;
    Arn: string;
    ProjectName: string;
    BuildStatus: string;
    ExportedEnvironmentVariables: { Name: string; Value: string }[];
    Artifacts?: { Location: string };
    SecondaryArtifacts?: { Location: string; ArtifactIdentifier: string }[];
  };
}

/** `bucket/key`, as CodeBuild writes an S3 source location. */
function s3Location(text: string): S3Location {
  const slash = text.indexOf('/');
  if (slash <= 0) throw new BadInputError(`"${text}" is not an S3 location of the form bucket/key.`);
  return { bucketName: text.slice(0, slash), objectKey: text.slice(slash + 1) };
}

/** As in CodeBuild, the override is either inline YAML or a path relative to the primary source. */
function isInlineBuildspec(override: string): boolean {
  return override.includes('\n');
}

async function loadBuildspec(override: string, sourceDirectory: string): Promise<Buildspec> {
  const file = path.join(sourceDirectory, override);
  const size = await stat(file).then(
    (stats) => stats.size,
    () => {
      throw new BadInputError(`${override} was not found in the primary source. Add it to the repository, or set the action's BuildSpec configuration.`);
    },
  );
  // A file too large to parse is refused unread.
  if (size > BUILDSPEC_TEXT_LIMITS.maxBytes) {
    throw new BadInputError(
      `${override} is ${size} bytes, larger than ${BUILDSPEC_TEXT_LIMITS.maxBytes}, the most Sluice reads in a buildspec. Make it smaller.`,
    );
  }
  return parseBuildspecIsolated(await readFile(file, 'utf8'), override);
}

/**
 * Runs a StartBuild request on this machine as CodeBuild would: the S3 sources are extracted into
 * a fresh workspace, the buildspec runs in a child process, and the artifacts are zipped to the
 * requested locations. A build that does not succeed fails the Task as the .sync integration does.
 * The build is recorded in `builds`, for the steps after it to read; its log is the action's log.
 */
export async function startBuildLocally(
  deps: LocalCodeBuildDependencies,
  parameters: StartBuildParameters,
  ref: ActionLogRef & { pipelineName: string },
  signal: AbortSignal,
  builds: LocalCodeBuildBuilds,
): Promise<StartBuildResult> {
  const buildId = `${parameters.ProjectName}:${randomUUID()}`;
  const root = await mkdtemp(path.join(deps.workspaceRoot, 'sluice-codebuild-'));
  // The log goes to the bucket that the execution's LogsConfigOverride names: its pipeline's artifact store.
  const log = new ActionLog(deps, ref, path.join(root, 'build.log'), { bucketName: s3Location(parameters.LogsConfigOverride.S3Logs.Location).bucketName });
  const staged: StagedArtifact[] = [];
  const override = parameters.BuildspecOverride ?? DEFAULT_BUILDSPEC;
  // An inline buildspec is parsed, in a worker of its own, while the sources are extracted; a failure is reported where it is awaited.
  const inlineBuildspec = isInlineBuildspec(override) ? parseBuildspecIsolated(override, 'the inline buildspec') : undefined;
  inlineBuildspec?.catch(() => {});
  try {
    const sourceDirectory = path.join(root, 'src');
    const primary = s3Location(parameters.SourceLocationOverride);
    await deps.artifacts.fetchArtifact(primary, sourceDirectory);
    const secondarySourceDirectories: Record<string, string> = {};
    for (const source of parameters.SecondarySourcesOverride) {
      const directory = path.join(root, `src_${source.SourceIdentifier}`);
      await deps.artifacts.fetchArtifact(s3Location(source.Location), directory);
      secondarySourceDirectories[source.SourceIdentifier] = directory;
    }
    const buildspec = await (inlineBuildspec ?? loadBuildspec(override, sourceDirectory));
    const plaintext = parameters.EnvironmentVariablesOverride.filter((variable) => variable.Type === 'PLAINTEXT');
    const secretVariables = parameters.EnvironmentVariablesOverride.flatMap(({ Name: name, Value: reference, Type: source }) =>
      source === 'PLAINTEXT' ? [] : [{ name, source, reference }],
    );
    const environment: Record<string, string> = {
      CODEBUILD_BUILD_ID: buildId,
      CODEBUILD_BUILD_ARN: `arn:aws:codebuild:local:000000000000:build/${buildId}`,
      CODEBUILD_BUILD_NUMBER: '1',
      CODEBUILD_SOURCE_VERSION: `arn:aws:s3:::${parameters.SourceLocationOverride}`,
      CODEBUILD_RESOLVED_SOURCE_VERSION: path.basename(primary.objectKey, '.zip'),
      CODEBUILD_START_TIME: String(Date.now()),
      ...Object.fromEntries(plaintext.map((variable) => [variable.Name, variable.Value])),
    };
    const result = await runLocalBuild({
      buildspec,
      sourceDirectory,
      secondarySourceDirectories,
      environment,
      secretVariables,
      ...(deps.buildSecrets ? { secrets: deps.buildSecrets } : {}),
      timeoutSeconds: (parameters.TimeoutInMinutesOverride ?? DEFAULT_TIMEOUT_MINUTES) * 60,
      onLog: log.write,
      signal,
      temporaryRoot: root,
      processes: deps.buildProcesses,
    });
    if (result.artifacts.primary) staged.push(result.artifacts.primary);
    staged.push(...Object.values(result.artifacts.secondary));
    const exportedVariables = result.status === 'SUCCEEDED' ? result.exportedVariables : {};
    const summary = reportsSummary(result.reports);
    builds.record({ id: buildId, status: result.status, exportedVariables, s3Log: log.location, ...(summary ? { reportsSummary: summary } : {}) });
    if (result.status !== 'SUCCEEDED') {
      const where = result.failedCommand ? `phase ${result.failedPhase}, command "${result.failedCommand}"` : `phase ${result.failedPhase ?? 'unknown'}`;
      const outcome = result.status === 'FAILED' ? 'failed' : result.status.toLowerCase().replace('_', ' ');
      throw new BuildFailedError(buildId, `Build ${buildId} ${outcome} in ${where}: ${result.message ?? 'see the build log'}${summary ? `\n${summary}` : ''}`);
    }
    const artifacts = await uploadArtifacts(deps, parameters, result.artifacts.primary, result.artifacts.secondary);
    return {
      Build: {
        Id: buildId,
        Arn: environment.CODEBUILD_BUILD_ARN!,
        ProjectName: parameters.ProjectName,
        BuildStatus: 'SUCCEEDED',
        ExportedEnvironmentVariables: Object.entries(exportedVariables).map(([Name, Value]) => ({ Name, Value })),
        ...artifacts,
      },
    };
  } finally {
    await log.store();
    await Promise.all([root, ...staged.map((artifact) => artifact.directory)].map((directory) => rm(directory, { recursive: true, force: true })));
  }
}

async function uploadArtifacts(
  deps: LocalCodeBuildDependencies,
  parameters: StartBuildParameters,
  primary: StagedArtifact | undefined,
  secondary: Record<string, StagedArtifact>,
): Promise<Pick<StartBuildResult['Build'], 'Artifacts' | 'SecondaryArtifacts'>> {
  const result: Pick<StartBuildResult['Build'], 'Artifacts' | 'SecondaryArtifacts'> = {};
  const requested = parameters.ArtifactsOverride;
  if (requested.Type === 'S3') {
    if (!primary) throw new BadInputError('The action has an output artifact, but the buildspec has no artifacts.files to fill it.');
    const location = { bucketName: requested.Location, objectKey: `${requested.Path}/${requested.Name}` };
    await deps.artifacts.storeDirectory(location, primary.directory, { keepLinks: primary.keepsLinks });
    result.Artifacts = { Location: `arn:aws:s3:::${location.bucketName}/${location.objectKey}` };
  }
  for (const artifact of parameters.SecondaryArtifactsOverride) {
    const staged = secondary[artifact.ArtifactIdentifier];
    if (!staged) {
      throw new BadInputError(
        `The action's output artifact ${artifact.ArtifactIdentifier} needs a secondary-artifacts entry with that identifier in the buildspec.`,
      );
    }
    const location = { bucketName: artifact.Location, objectKey: `${artifact.Path}/${artifact.Name}` };
    await deps.artifacts.storeDirectory(location, staged.directory, { keepLinks: staged.keepsLinks });
    (result.SecondaryArtifacts ??= []).push({
      Location: `arn:aws:s3:::${location.bucketName}/${location.objectKey}`,
      ArtifactIdentifier: artifact.ArtifactIdentifier,
    });
  }
  return result;
}
