import { heldWhileStopping } from '../../lib/compose/local-task-handlers';
import { LocalEngine, type TaskHandler, type TaskHandlers } from '../../lib/adapters/local/local-engine';
import type { ActionStepPayload, StageStepPayload } from '../../lib/core/task-payloads';
import { runAction } from '../../lib/execution/action-steps';
import type { ExecutionDependencies } from '../../lib/execution/dependencies';
import { endExecution } from '../../lib/execution/end-execution';
import { runStageStep } from '../../lib/execution/stage-steps';
import { compileRegisteredVersion } from '../../lib/execution/start-on-engine';

/** The Task handlers of the stage steps and runAction themselves, which is all that pipelines of runner actions need; any other step is refused. */
export function stepHandlers(deps: ExecutionDependencies): TaskHandlers {
  const invoked =
    <P>(run: (payload: P, signal: AbortSignal) => Promise<unknown>): TaskHandler =>
    async (parameters, _binding, signal) => ({ Payload: await run(parameters.Payload as P, signal) });
  const stage = invoked<StageStepPayload>((payload) => runStageStep(deps, payload));
  const refused: TaskHandler = () => Promise.reject(new Error('not in this pipeline'));
  return {
    enterStage: stage,
    exitStage: stage,
    failStage: stage,
    runAction: invoked<ActionStepPayload>((payload, signal) => runAction(deps, payload, signal)),
    requestApproval: refused,
    queueJob: refused,
    prepareBuild: refused,
    startBuild: refused,
    completeBuild: refused,
    failBuild: refused,
  };
}

/** The local engine on stepHandlers, held while an execution is Stopping as a local installation holds them. */
export function stepEngine(deps: ExecutionDependencies): LocalEngine {
  const handlers = stepHandlers(deps);
  return new LocalEngine({
    handlers: (_compiled, ref) => heldWhileStopping(handlers, deps.store, ref.executionId),
    endExecution: (ref, status, reason) => endExecution(deps, ref, status, reason),
    compiledVersion: (name, version) => compileRegisteredVersion(deps, name, version),
  });
}
