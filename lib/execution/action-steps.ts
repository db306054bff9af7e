import { artifactStoreOf } from '../core/compile';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import type { AnyActionProvider } from '../actions/action-provider';
import type { ActionDeclaration } from '../core/declaration';
import { providerKey } from '../core/declaration-fields';
import { ActionFailedError, BadInputError, SluiceError } from '../core/errors';
import type { ActionInProgress, ActionStepPayload, ActionStepResult, ArtifactLocation } from '../core/task-payloads';
import { resolveAction, type VariableValues } from '../core/variables';
import type { ActionExecutionRecord } from '../ports/execution-store';
import { ActionLog } from '../artifacts/action-log';
import type { ExecutionDependencies } from './dependencies';
import { copyInputsToRegion, copyOutputsHome, inputsInRegion, regionalArtifactsFor } from './cross-region-artifacts';
import { publishActionState } from './publish';

/** The values every `#{...}` in this action can refer to. */
export function variableValues(payload: Pick<ActionStepPayload, 'pipeline' | 'namespaces'>): VariableValues {
  const values = new Map<string, string>([['codepipeline.PipelineExecutionId', payload.pipeline.executionId]]);
  for (const [name, value] of Object.entries(payload.pipeline.variables)) values.set(`variables.${name}`, value);
  for (const [namespace, variables] of Object.entries(payload.namespaces)) {
    for (const [name, value] of Object.entries(variables)) values.set(`${namespace}.${name}`, value);
  }
  return values;
}

/** The record of a running action, with its configuration resolved. */
export function actionRecord(
  deps: ExecutionDependencies,
  payload: ActionStepPayload,
  resolved: ActionDeclaration,
  ids: { actionExecutionId: string; startTime: string },
): ActionExecutionRecord {
  return {
    pipelineExecutionId: payload.pipeline.executionId,
    stageName: payload.stage,
    actionName: payload.action.name,
    actionExecutionId: ids.actionExecutionId,
    status: 'InProgress',
    startTime: ids.startTime,
    lastUpdateTime: deps.clock().toISOString(),
    input: {
      actionTypeId: resolved.actionTypeId,
      configuration: payload.action.configuration ?? {},
      resolvedConfiguration: resolved.configuration ?? {},
      inputArtifacts: payload.inputArtifacts.map(({ name, location }) => ({ name, s3location: location })),
      ...(resolved.namespace ? { namespace: resolved.namespace } : {}),
      ...(resolved.region ? { region: resolved.region } : {}),
      ...(resolved.roleArn ? { roleArn: resolved.roleArn } : {}),
    },
  };
}

/** Records an action's start and announces it. */
export async function startAction(deps: ExecutionDependencies, payload: ActionStepPayload, resolved: ActionDeclaration): Promise<ActionExecutionRecord> {
  const record = actionRecord(deps, payload, resolved, { actionExecutionId: deps.newId(), startTime: deps.clock().toISOString() });
  await deps.store.putAction(record);
  await publishActionState(deps, payload.pipeline, record, 'STARTED');
  return record;
}

/** Records an action's end, successful or not, and announces it. */
export async function finishAction(
  deps: ExecutionDependencies,
  payload: ActionStepPayload,
  record: ActionExecutionRecord,
  end:
    | {
        status: 'Succeeded';
        outputArtifacts: ArtifactLocation[];
        outputVariables: Record<string, string>;
        summary?: string;
        externalExecutionId?: string;
        externalExecutionUrl?: string;
      }
    | { status: 'Failed'; error: Error; externalExecutionId?: string; externalExecutionUrl?: string },
  logLocation?: ArtifactLocation,
): Promise<void> {
  const common = { ...record, lastUpdateTime: deps.clock().toISOString(), ...(logLocation ? { logLocation } : {}) };
  if (end.status === 'Failed') {
    const errorDetails = { code: end.error.name, message: end.error.message };
    const external = {
      ...(end.externalExecutionId ? { externalExecutionId: end.externalExecutionId } : {}),
      ...(end.externalExecutionUrl ? { externalExecutionUrl: end.externalExecutionUrl } : {}),
    };
    const output = end.externalExecutionId
      ? { output: { outputArtifacts: [], outputVariables: {}, executionResult: { ...external, externalExecutionSummary: end.error.message } } }
      : {};
    const failed: ActionExecutionRecord = { ...common, status: 'Failed', errorDetails, ...output };
    // A stopped execution has already abandoned the action; its end is not recorded twice.
    if (await deps.store.putAction(failed)) await publishActionState(deps, payload.pipeline, failed, 'FAILED');
    return;
  }
  const outputArtifacts = (payload.action.outputArtifacts ?? []).map(({ name }, index) => ({ name, s3location: end.outputArtifacts[index]! }));
  const executionResult = {
    ...(end.summary ? { externalExecutionSummary: end.summary } : {}),
    ...(end.externalExecutionId ? { externalExecutionId: end.externalExecutionId } : {}),
    ...(end.externalExecutionUrl ? { externalExecutionUrl: end.externalExecutionUrl } : {}),
  };
  const succeeded: ActionExecutionRecord = {
    ...common,
    status: 'Succeeded',
    output: { outputArtifacts, outputVariables: end.outputVariables, executionResult },
  };
  if (await deps.store.putAction(succeeded)) await publishActionState(deps, payload.pipeline, succeeded, 'SUCCEEDED');
}

/** Any failure an action reports reaches Step Functions as Sluice.ActionFailed, or its own Sluice error. */
export function asStepError(error: unknown): SluiceError {
  if (error instanceof SluiceError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ActionFailedError(message, { cause: error });
}

/** A fresh directory for one action, and its log beside it, removed when the work is done. */
export async function withActionWorkspace<T>(
  deps: ExecutionDependencies,
  payload: ActionStepPayload,
  work: (workspace: string, log: ActionLog) => Promise<T>,
): Promise<T> {
  const root = await mkdtemp(path.join(deps.workspaceRoot, 'sluice-action-'));
  const workspace = path.join(root, 'work');
  await mkdir(workspace);
  const log = new ActionLog(
    deps,
    { pipelineName: payload.pipeline.name, executionId: payload.pipeline.executionId, stageName: payload.stage, actionName: payload.action.name },
    path.join(root, 'action.log'),
    artifactStoreOf(payload.pipeline, deps.artifactBucket),
  );
  try {
    return await work(workspace, log);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** What an action, or a rule of a stage's condition, gets of its execution and of this installation to do its work. */
export function stepContext(deps: ExecutionDependencies, pipeline: ActionStepPayload['pipeline'], stageName: string) {
  const { bucketName, kmsKeyId } = artifactStoreOf(pipeline, deps.artifactBucket);
  return {
    pipelineName: pipeline.name,
    executionId: pipeline.executionId,
    stageName,
    artifactBucket: bucketName,
    artifactKmsKeyId: kmsKeyId,
    artifacts: deps.artifacts,
    blobs: deps.blobs,
    processes: deps.buildProcesses,
    commandEnvironment: deps.commandEnvironment,
  };
}

/**
 * Runs an action whose provider Sluice runs itself (everything but CodeBuild and approvals). A
 * polling provider's later runs go on with the action execution of its first run, and its log.
 */
export async function runAction(deps: ExecutionDependencies, payload: ActionStepPayload, signal: AbortSignal): Promise<ActionStepResult | ActionInProgress> {
  const provider = providerFor(deps, payload.action);
  const resolved = resolveAction(payload.action, variableValues(payload));
  const previous = payload.polling?.answer?.inProgress;
  const record = previous ? actionRecord(deps, payload, resolved, previous) : await startAction(deps, payload, resolved);
  const pinned = payload.pipeline.sourceRevisions?.find((revision) => revision.actionName === payload.action.name);
  const regional = regionalArtifactsFor(deps, payload.pipeline, resolved.region);
  return withActionWorkspace(deps, payload, async (workspace, log) => {
    try {
      if (previous) {
        await log.resume();
        refuseIfTimedOut(deps, resolved, previous.startTime);
      }
      // A cross-region action works in its region's artifact store; a polling action's first run copied its inputs there.
      let inputArtifacts = payload.inputArtifacts;
      if (regional) {
        inputArtifacts = previous ? inputsInRegion(regional, inputArtifacts) : await copyInputsToRegion(deps, regional, inputArtifacts, log.write);
      }
      const outcome = await provider.run!({
        ...stepContext(deps, payload.pipeline, payload.stage),
        ...(regional
          ? { artifactBucket: regional.store.bucketName, artifactKmsKeyId: regional.store.kmsKeyId, blobs: regional.blobs, artifacts: regional.artifacts }
          : {}),
        action: resolved,
        inputArtifacts,
        workspace,
        log: log.write,
        signal,
        sourceRevision: pinned?.revisionValue,
        sourceRevisionType: pinned?.revisionType,
        repositoryHosts: deps.repositoryHosts,
        codeCommit: deps.codeCommit,
        aws: deps.awsClients,
        continuation: previous?.state,
      });
      if ('inProgress' in outcome) {
        await log.store();
        const { actionExecutionId, startTime } = record;
        return { inProgress: { ...outcome.inProgress, runs: (previous?.runs ?? 0) + 1, actionExecutionId, startTime } };
      }
      const outputArtifacts = regional ? await copyOutputsHome(deps, payload.pipeline, regional, outcome.outputArtifacts, log.write) : outcome.outputArtifacts;
      await finishAction(deps, payload, record, { status: 'Succeeded', ...outcome, outputArtifacts }, await log.store());
      return { artifacts: outputArtifacts, variables: outcome.outputVariables };
    } catch (error) {
      const failure = asStepError(error);
      log.write(`\n${failure.message}\n`);
      await finishAction(deps, payload, record, { status: 'Failed', error: failure }, await log.store());
      throw failure;
    }
  });
}

/** A polling action that has run longer than its timeoutInMinutes fails, as a Task past its TimeoutSeconds would. */
function refuseIfTimedOut(deps: ExecutionDependencies, action: ActionDeclaration, startTime: string): void {
  if (action.timeoutInMinutes === undefined) return;
  const minutes = (deps.clock().getTime() - Date.parse(startTime)) / 60_000;
  if (minutes > action.timeoutInMinutes) {
    throw new ActionFailedError(
      `${action.name} did not finish within its timeoutInMinutes, ${action.timeoutInMinutes}; it ran for ${Math.floor(minutes)} minutes.`,
    );
  }
}

function providerFor(deps: ExecutionDependencies, action: ActionDeclaration): AnyActionProvider {
  const provider = deps.providers.get(providerKey(action.actionTypeId));
  if (!provider?.run) {
    const id = action.actionTypeId;
    throw new BadInputError(`${id.category} provider ${id.owner}/${id.provider} cannot run here.`);
  }
  return provider;
}
