import { TASK_FUNCTIONS } from '../task-functions';
import type { Catcher, Retrier, State, TaskState } from '../asl';
import type { ActionDeclaration } from '../declaration';
import { FIRST_CALL_RUNNING, LAMBDA_TRANSIENT } from '../task-retries';
import { LAMBDA_INVOKE, type ActionIntegration } from './action-integration';

/**
 * The longest build timeout StartBuild accepts (TimeoutInMinutesOverride, 5 to 2160). An action
 * may wait longer (up to 86400 minutes, and at least 5, as validation checks), but its build cannot
 * run longer.
 */
const MAX_BUILD_TIMEOUT_MINUTES = 2160;

/**
 * A new account runs few builds at once: StartBuild is refused with AccountLimitExceeded until one
 * ends, and throttled under load. No build started, so starting again is safe; full jitter keeps
 * parallel actions from retrying in step. The waits add up to at most about 30 minutes.
 */
export const CODEBUILD_CAPACITY: Retrier = {
  // Step Functions names errors that CodeBuild does not model (throttling, 5xx) after the SDK's
  // base exception; both spellings of it have been seen.
  ErrorEquals: ['CodeBuild.AccountLimitExceededException', 'CodeBuild.CodeBuildException', 'CodeBuild.AWSCodeBuildException'],
  IntervalSeconds: 10,
  MaxAttempts: 10,
  BackoffRate: 2,
  MaxDelaySeconds: 300,
  JitterStrategy: 'FULL',
};

/**
 * How an action's builds run: one build (`codebuild:startBuild.sync`), or a batch build
 * (`codebuild:startBuildBatch.sync`) when its configuration sets BatchEnabled. The two take the
 * same overrides but for the build timeout's name, and Step Functions answers with the Build or
 * the BuildBatch.
 */
interface CodeBuildStart {
  resource: string;
  /** The StartBuild or StartBuildBatch field that bounds each build's time. */
  timeoutField: 'TimeoutInMinutesOverride' | 'BuildTimeoutInMinutesOverride';
  /** Where Step Functions puts the started build's or batch's id in the Task's result. */
  idPath: string;
  /** What the Fail state's Cause calls what did not succeed. */
  noun: string;
}

const SINGLE_BUILD: CodeBuildStart = {
  resource: 'arn:aws:states:::codebuild:startBuild.sync',
  timeoutField: 'TimeoutInMinutesOverride',
  idPath: '$.Build.Id',
  noun: 'build',
};

const BATCH_BUILD: CodeBuildStart = {
  resource: 'arn:aws:states:::codebuild:startBuildBatch.sync',
  timeoutField: 'BuildTimeoutInMinutesOverride',
  idPath: '$.BuildBatch.Id',
  noun: 'batch build',
};

/** What a CodeBuild action's BatchEnabled and CombineArtifacts ask for. */
export interface CodeBuildBatchOptions {
  /** Whether the builds' artifacts go into the one output artifact, in a folder per build identifier. */
  combineArtifacts: boolean;
}

const isTrue = (value: string | undefined) => value?.toLowerCase() === 'true';

/** The batch build a CodeBuild action's configuration asks for, if it asks for one. */
export function codeBuildBatchOf(configuration: Readonly<Record<string, string>> | undefined): CodeBuildBatchOptions | undefined {
  return isTrue(configuration?.BatchEnabled) ? { combineArtifacts: isTrue(configuration?.CombineArtifacts) } : undefined;
}

interface CodeBuildStateNames {
  prepare: string;
  start: string;
  complete: string;
  /** Records a build that did not succeed (or was never started), then fails. */
  failed: string;
  /** Where `failed` leads if it ever returns instead of failing; it never should. */
  failedEnd: string;
}

interface CodeBuildActionOptions {
  names: CodeBuildStateNames;
  action: ActionDeclaration;
  actionRunner: string;
  /** The action's payload, as every action Task gets it. */
  payload: Record<string, unknown>;
  /** Where complete puts the action's result. */
  result: Pick<TaskState, 'ResultSelector' | 'ResultPath'>;
  /** The Retry of a Task that invokes the action runner. */
  lambdaRetry: Retrier[];
  timeoutSeconds?: number;
  artifactKmsKeyId?: string;
  catchTo: Catcher[];
}

/**
 * A CodeBuild action: prepareBuild records the start and writes the StartBuild overrides to
 * `$.codebuild`; StartBuild (or StartBuildBatch) runs with `.sync` and keeps only the build's id
 * there; completeBuild reads the rest with BatchGetBuilds (or BatchGetBuildBatches). A build that
 * fails, or a start that is refused, goes to failBuild, which records the build's id, link and
 * phase error before the stage fails.
 */
function codeBuildStates(options: CodeBuildActionOptions): Record<string, State> {
  const { names, action, actionRunner, payload, result, lambdaRetry, timeoutSeconds, artifactKmsKeyId, catchTo } = options;
  const start = codeBuildBatchOf(action.configuration) ? BATCH_BUILD : SINGLE_BUILD;
  const overrides = (field: string) => `$.codebuild.build.${field}`;
  const runnerTask = (step: string, extra: Record<string, unknown>): Pick<TaskState, 'Type' | 'Resource' | 'Parameters'> => ({
    Type: 'Task',
    Resource: LAMBDA_INVOKE,
    Parameters: { FunctionName: actionRunner, Payload: { step, ...payload, ...extra } },
  });
  // The action's timeout, or its provider's default (a Commands action's 60 minutes); without either, the project's own.
  const buildTimeout = timeoutSeconds === undefined ? undefined : Math.min(Math.ceil(timeoutSeconds / 60), MAX_BUILD_TIMEOUT_MINUTES);
  // A Commands action (the only kind with `commands`) runs its own buildspec, which prepareBuild
  // writes; a CodeBuild action without BuildSpec runs its project's, as CodePipeline leaves it.
  const overridesBuildspec = action.commands !== undefined || action.configuration?.BuildSpec !== undefined;
  return {
    [names.prepare]: {
      ...runnerTask('prepareBuild', {}),
      ResultSelector: { 'execution.$': '$.Payload.execution', 'build.$': '$.Payload.build' },
      ResultPath: '$.codebuild',
      Retry: lambdaRetry,
      Catch: catchTo,
      Next: names.start,
    },
    [names.start]: {
      Type: 'Task',
      Resource: start.resource,
      Parameters: {
        'ProjectName.$': overrides('projectName'),
        SourceTypeOverride: 'S3',
        'SourceLocationOverride.$': overrides('sourceLocation'),
        'SecondarySourcesOverride.$': overrides('secondarySources'),
        ...(overridesBuildspec ? { 'BuildspecOverride.$': overrides('buildspec') } : {}),
        'EnvironmentVariablesOverride.$': overrides('environmentVariables'),
        'ArtifactsOverride.$': overrides('artifacts'),
        'SecondaryArtifactsOverride.$': overrides('secondaryArtifacts'),
        'LogsConfigOverride.$': overrides('logsConfig'),
        ...(buildTimeout === undefined ? {} : { [start.timeoutField]: buildTimeout }),
        // The build writes the output artifacts and its log itself, with the pipeline's artifact store key.
        ...(artifactKmsKeyId === undefined ? {} : { EncryptionKeyOverride: artifactKmsKeyId }),
      },
      // The overrides give way to the build's id: the Build or BuildBatch object (environment
      // values included) never travels on in the execution state.
      ResultSelector: { 'Id.$': start.idPath },
      ResultPath: '$.codebuild.build',
      ...(timeoutSeconds === undefined ? {} : { TimeoutSeconds: timeoutSeconds }),
      Retry: [CODEBUILD_CAPACITY],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.codebuild.error', Next: names.failed }],
      Next: names.complete,
    },
    [names.complete]: {
      ...runnerTask('completeBuild', { 'codebuild.$': '$.codebuild' }),
      ...result,
      Retry: lambdaRetry,
      Catch: catchTo,
    },
    [names.failed]: {
      ...runnerTask('failBuild', { 'codebuild.$': '$.codebuild' }),
      ResultPath: null,
      Retry: lambdaRetry,
      Catch: catchTo,
      Next: names.failedEnd,
    },
    [names.failedEnd]: {
      Type: 'Fail',
      Error: 'Sluice.ActionFailed',
      Cause: `${action.name}: the ${start.noun} did not succeed; the action's record holds its error.`,
    },
  };
}

/** The action runs as a CodeBuild build, or batch build, that `codebuild:startBuild.sync` (`startBuildBatch.sync`) starts and waits for. */
export const codeBuildIntegration: ActionIntegration = {
  keepsResult: true,
  states({ action, stateName, functions, payload, result, timeoutSeconds, artifactKmsKeyId, catchTo }) {
    const names = {
      prepare: stateName('prepare'),
      start: stateName(),
      complete: stateName('complete'),
      failed: stateName('build failed'),
      failedEnd: stateName('failed'),
    };
    const states = codeBuildStates({
      names,
      action,
      actionRunner: functions[TASK_FUNCTIONS.prepareBuild],
      payload,
      result,
      lambdaRetry: [LAMBDA_TRANSIENT, FIRST_CALL_RUNNING],
      timeoutSeconds,
      artifactKmsKeyId,
      catchTo,
    });
    return {
      startAt: names.prepare,
      states,
      exits: [names.complete],
      tasks: { [names.prepare]: 'prepareBuild', [names.start]: 'startBuild', [names.complete]: 'completeBuild', [names.failed]: 'failBuild' },
    };
  },
};
