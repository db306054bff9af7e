import { randomUUID } from 'node:crypto';
import { waitForTaskToken } from '../../lib/adapters/local/lambda-task-handlers';
import { LocalTaskCallbacks } from '../../lib/adapters/local/local-task-callbacks';
import { heldWhileStopping } from '../../lib/compose/local-task-handlers';
import { LocalEngine, type TaskHandler, type TaskHandlers } from '../../lib/adapters/local/local-engine';
import type { ActionStepPayload, PipelineRef, StageStepPayload } from '../../lib/core/task-payloads';
import { runAction } from '../../lib/execution/action-steps';
import type { ExecutionDependencies } from '../../lib/execution/dependencies';
import { endRun } from '../../lib/execution/end-execution';
import { checkConditions } from '../../lib/execution/rule-steps';
import { runStageStep } from '../../lib/execution/stage-steps';
import type { ConditionStepPayload } from '../../lib/core/rules';
import { compileRegisteredVersion } from '../../lib/execution/start-on-engine';

/** The Task handlers of the stage steps, the condition steps and runAction themselves, which is all that pipelines of runner actions need; any other step is refused. */
export function stepHandlers(deps: ExecutionDependencies & { callbacks: LocalTaskCallbacks }): TaskHandlers {
  const invoked =
    <P>(run: (payload: P, signal: AbortSignal) => Promise<unknown>): TaskHandler =>
    async (parameters, _binding, signal) => ({ Payload: await run(parameters.Payload as P, signal) });
  const stage = invoked<StageStepPayload>((payload) => runStageStep(deps, payload));
  const refused: TaskHandler = () => Promise.reject(new Error('not in this pipeline'));
  const tokens = { callbacks: deps.callbacks, newTaskToken: () => randomUUID() };
  return {
    enterStage: (parameters, _binding, signal) =>
      waitForTaskToken(
        tokens,
        async (taskToken) => ({ Payload: await runStageStep(deps, { ...(parameters.Payload as StageStepPayload), taskToken }) }),
        signal,
      ),
    exitStage: stage,
    failStage: stage,
    runAction: invoked<ActionStepPayload>((payload, signal) => runAction(deps, payload, signal)),
    checkBeforeEntry: invoked<ConditionStepPayload>((payload, signal) => checkConditions(deps, payload, signal)),
    checkOnSuccess: invoked<ConditionStepPayload>((payload, signal) => checkConditions(deps, payload, signal)),
    checkOnFailure: invoked<ConditionStepPayload>((payload, signal) => checkConditions(deps, payload, signal)),
    requestApproval: refused,
    queueJob: refused,
    prepareBuild: refused,
    startBuild: refused,
    completeBuild: refused,
    failBuild: refused,
  };
}

/** The local engine on stepHandlers, held while an execution is Stopping as a local installation holds them. */
export function stepEngine(deps: ExecutionDependencies & { callbacks: LocalTaskCallbacks }): LocalEngine {
  const handlers = stepHandlers(deps);
  return new LocalEngine({
    handlers: (_compiled, ref) => heldWhileStopping(handlers, deps.store, ref.executionId),
    endExecution: (ref, runArn, status, reason) => endRun(deps, ref, runArn, status, reason),
    compiledVersion: (name, version) => compileRegisteredVersion(deps, name, version),
  });
}

/**
 * A stage's enter step as its Task runs it: with a task token of `deps.callbacks`, settling once
 * the stage's line has admitted the execution. PARALLEL, so that the executions a test leaves in a
 * stage never hold up the next one.
 */
export async function enterStage(deps: ExecutionDependencies, pipeline: PipelineRef, stage: string): Promise<void> {
  if (!(deps.callbacks instanceof LocalTaskCallbacks)) throw new TypeError('enterStage waits on the task tokens of the local engine.');
  const taskToken = randomUUID();
  const admitted = deps.callbacks.wait(taskToken);
  await runStageStep(deps, { step: 'enterStage', pipeline, stage, mode: 'PARALLEL', taskToken });
  await admitted;
}
