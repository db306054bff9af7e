import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BuildProcessTracker } from '../../ports/build-processes';
import type { BuildSecrets } from '../../ports/build-secrets';
import { removeStagedArtifacts, stageArtifacts, type StagedArtifacts } from './artifact-staging';
import type { Buildspec } from './buildspec';
import { BuildLog } from './build-log';
import { BuildPhases } from './build-phases';
import { buildspecSecretVariables, resolveSecretVariables, type SecretVariable } from './secret-variables';
import { ShellSession, singleQuoted } from './shell-session';
import { readReports, type BuildReport } from './test-reports';

export type { StagedArtifact, StagedArtifacts } from './artifact-staging';

export interface LocalBuildRequest {
  buildspec: Buildspec;
  /** CODEBUILD_SRC_DIR: the primary source, where the commands start. */
  sourceDirectory: string;
  /** Secondary sources by name, each exposed as CODEBUILD_SRC_DIR_<name>. */
  secondarySourceDirectories: Record<string, string>;
  /**
   * What the build's environment starts from, as a build image's own variables do; when not
   * given, this process's environment without Sluice's own settings.
   */
  baseEnvironment?: NodeJS.ProcessEnv;
  /** The action's and the caller's variables; they override the buildspec's env.variables, as a start-build override does. */
  environment: Record<string, string>;
  /** The request's variables read from Parameter Store or Secrets Manager; they override the buildspec's too. */
  secretVariables?: SecretVariable[];
  /** Where secret variables are read; a build that has some fails before it starts when their service is not here. */
  secrets?: BuildSecrets;
  timeoutSeconds: number;
  /** The build log as it happens: command output, and CodeBuild's "[Container]" lines. */
  onLog: (text: string) => void;
  /** Aborting stops the build: everything it started is killed and the status is STOPPED. */
  signal?: AbortSignal;
  /** Where the build's own temporary directories and staged artifacts go; the system's by default. */
  temporaryRoot?: string;
  /** Records the build's processes, so that they die with their owner. */
  processes?: BuildProcessTracker;
}

export interface LocalBuildResult {
  status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'STOPPED';
  failedPhase?: string;
  failedCommand?: string;
  exitCode?: number;
  /** Why the build did not succeed, in the words of CodeBuild's phase context message. */
  message?: string;
  /** env.exported-variables, as the shell held them after the last phase; empty when the build was killed. */
  exportedVariables: Record<string, string>;
  /** The buildspec's report groups as read once the phases ended, whether or not they succeeded; empty when the build was killed. */
  reports: BuildReport[];
  /**
   * Staged only when the build succeeded; the caller owns and removes the directories. A failed
   * build still goes through UPLOAD_ARTIFACTS, as CodeBuild's does, but keeps nothing of it.
   */
  artifacts: StagedArtifacts;
}

/** Runs a buildspec in a local shell the way CodeBuild runs it in its build container. */
export async function runLocalBuild(request: LocalBuildRequest): Promise<LocalBuildResult> {
  const log = new BuildLog(request.onLog);
  const unfinished = { exportedVariables: {}, artifacts: { secondary: {} }, reports: [] };
  if (request.signal?.aborted) {
    log.container('Build stopped before it started');
    return { status: 'STOPPED', message: 'The build was stopped', ...unfinished };
  }
  const secrets = await readSecretVariables(request);
  const unready = (await missingSourceDirectory(request)) ?? secrets.failure;
  if (unready) {
    log.container(`Phase context status code: CLIENT_ERROR Message: ${unready}`);
    return { status: 'FAILED', failedPhase: 'DOWNLOAD_SOURCE', message: unready, ...unfinished };
  }

  const temporaryRoot = request.temporaryRoot ?? tmpdir();
  const scratch = await mkdtemp(path.join(temporaryRoot, 'sluice-build-'));
  const tracked = await request.processes?.track();
  const session = new ShellSession({
    shell: request.buildspec.env?.shell ?? 'bash',
    cwd: request.sourceDirectory,
    env: { ...buildEnvironment(request, secrets.values), ...tracked?.environment },
    onOutput: (text) => log.output(text),
  });
  const endProcesses = async () => {
    tracked?.ending();
    await session.kill();
  };
  let interruption: { status: 'TIMED_OUT' | 'STOPPED'; message: string } | undefined;
  const interrupt = (status: 'TIMED_OUT' | 'STOPPED', message: string) => {
    if (interruption) return;
    interruption = { status, message };
    log.container(message);
    void endProcesses();
  };
  const timer = setTimeout(() => interrupt('TIMED_OUT', `Build timed out after ${request.timeoutSeconds} seconds`), request.timeoutSeconds * 1000);
  const stop = () => interrupt('STOPPED', 'The build was stopped');
  request.signal?.addEventListener('abort', stop, { once: true });
  try {
    if (tracked && session.groupId !== undefined) await tracked.started(session.groupId);
    const { failure, uploadsArtifacts } = await new BuildPhases(session, log, request.buildspec).run();
    const exportedVariables =
      failure && failure.cause !== 'command' ? {} : await readExportedVariables(session, request.buildspec.env?.['exported-variables'] ?? [], scratch);
    clearTimeout(timer);
    request.signal?.removeEventListener('abort', stop);
    if (interruption) {
      return { status: interruption.status, failedPhase: failure?.phase, failedCommand: failure?.command, message: interruption.message, ...unfinished };
    }
    // Nothing the build left running may change its output while the artifacts are gathered.
    if (uploadsArtifacts) await endProcesses();
    const uploaded = uploadsArtifacts ? await uploadArtifacts(request, log, temporaryRoot) : { artifacts: { secondary: {} } };
    const reports = request.buildspec.reports ? await readReports(request.buildspec.reports, request.sourceDirectory, log) : [];
    if (failure) {
      // CodeBuild uploads a failed build's artifacts too, but CodePipeline passes none of them on.
      await removeStagedArtifacts(uploaded.artifacts);
      const { phase: failedPhase, command: failedCommand, exitCode, message } = failure;
      return { status: 'FAILED', failedPhase, failedCommand, exitCode, message, exportedVariables, artifacts: { secondary: {} }, reports };
    }
    if (uploaded.failure) {
      return { status: 'FAILED', failedPhase: 'UPLOAD_ARTIFACTS', message: uploaded.failure, exportedVariables, artifacts: { secondary: {} }, reports };
    }
    return { status: 'SUCCEEDED', exportedVariables, artifacts: uploaded.artifacts, reports };
  } finally {
    clearTimeout(timer);
    request.signal?.removeEventListener('abort', stop);
    // CodeBuild discards the container at the end, so nothing a build left running outlives it.
    await endProcesses();
    await tracked?.ended();
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The UPLOAD_ARTIFACTS phase: the staged artifacts, or why they could not be staged. */
async function uploadArtifacts(request: LocalBuildRequest, log: BuildLog, temporaryRoot: string): Promise<{ artifacts: StagedArtifacts; failure?: string }> {
  const artifacts = request.buildspec.artifacts;
  if (!artifacts) return { artifacts: { secondary: {} } };
  try {
    const staged = await stageArtifacts(artifacts, request.sourceDirectory, log, temporaryRoot);
    log.container('Phase complete: UPLOAD_ARTIFACTS State: SUCCEEDED');
    return { artifacts: staged };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log.container('Phase complete: UPLOAD_ARTIFACTS State: FAILED');
    log.container(`Phase context status code: CLIENT_ERROR Message: ${message}`);
    return { artifacts: { secondary: {} }, failure: message };
  }
}

/** Precedence as in CodeBuild: the runner's own variables, then the request's overrides, then the buildspec's. */
function buildEnvironment(request: LocalBuildRequest, secrets: { buildspec: Record<string, string>; request: Record<string, string> }): NodeJS.ProcessEnv {
  return {
    ...hostEnvironment(request),
    CI: 'true',
    ...request.buildspec.env?.variables,
    ...secrets.buildspec,
    ...request.environment,
    ...secrets.request,
    ...sourceVariables(request),
    CODEBUILD_BUILD_SUCCEEDING: '1',
  };
}

/**
 * A local build runs as the user who started Sluice, with their environment, as a script they ran
 * would; but Sluice's own settings (SLUICE_GITHUB_TOKEN, SLUICE_SMTP_PASSWORD, ...) are not the
 * build's, and a build that prints its environment would show them in its log.
 */
function hostEnvironment(request: LocalBuildRequest): NodeJS.ProcessEnv {
  if (request.baseEnvironment) return request.baseEnvironment;
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith(SLUICE_SETTING_PREFIX)));
}

const SLUICE_SETTING_PREFIX = 'SLUICE_';

/** CODEBUILD_SRC_DIR, and CODEBUILD_SRC_DIR_<name> for each secondary source. */
function sourceVariables(request: LocalBuildRequest): Record<string, string> {
  const secondary = Object.entries(request.secondarySourceDirectories).map(([name, directory]) => [`CODEBUILD_SRC_DIR_${name}`, directory]);
  return { CODEBUILD_SRC_DIR: request.sourceDirectory, ...Object.fromEntries(secondary) };
}

async function missingSourceDirectory(request: LocalBuildRequest): Promise<string | undefined> {
  for (const [variable, directory] of Object.entries(sourceVariables(request))) {
    const isDirectory = await stat(directory).then(
      (found) => found.isDirectory(),
      () => false,
    );
    if (!isDirectory) return `${variable} ${directory} is not a directory`;
  }
  return undefined;
}

/**
 * The values of the build's Parameter Store and Secrets Manager variables: the request's, and the
 * buildspec's that no variable of the request overrides; or why they cannot be read.
 */
async function readSecretVariables(
  request: LocalBuildRequest,
): Promise<{ values: { buildspec: Record<string, string>; request: Record<string, string> }; failure?: string }> {
  const overridden = new Set([...Object.keys(request.environment), ...(request.secretVariables ?? []).map((variable) => variable.name)]);
  const fromBuildspec = buildspecSecretVariables(request.buildspec.env).filter((variable) => !overridden.has(variable.name));
  try {
    const secrets = request.secrets ?? {};
    return {
      values: {
        buildspec: await resolveSecretVariables(fromBuildspec, secrets),
        request: await resolveSecretVariables(request.secretVariables ?? [], secrets),
      },
    };
  } catch (error) {
    return { values: { buildspec: {}, request: {} }, failure: error instanceof Error ? error.message : String(error) };
  }
}

/** Reads the variables through the shell itself, so that values set by `export` in any phase are seen. */
async function readExportedVariables(session: ShellSession, names: readonly string[], scratch: string): Promise<Record<string, string>> {
  if (names.length === 0) return {};
  const file = path.join(scratch, 'exported-variables');
  const values = names.map((name) => `"\${${name}-}"`).join(' ');
  const outcome = await session.run(`printf '%s\\0' ${values} > ${singleQuoted(file)}`, { subshell: false });
  if (outcome.kind !== 'exited' || outcome.exitCode !== 0) return {};
  const read = (await readFile(file, 'utf8')).split('\0');
  return Object.fromEntries(names.map((name, index) => [name, read[index] ?? '']));
}
