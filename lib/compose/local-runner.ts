import { startBuildLocally, type StartBuildParameters } from '../adapters/local/local-codebuild';
import { LocalCodeBuildBuilds } from '../adapters/local/local-codebuild-builds';
import type { LocalRunOptions, TaskHandler, TaskHandlers } from '../adapters/local/local-engine';
import { STOPPED_BY_USER } from '../core/engine-run-end';
import { StoppedError } from '../core/errors';
import type { ActionStepPayload, PipelineRef, StageStepPayload } from '../core/task-payloads';
import { runAction } from '../execution/action-steps';
import { approveAutomatically } from '../execution/approval-steps';
import { completeBuild, failBuild, prepareBuild } from '../execution/codebuild-steps';
import { expireIfDue, requestApproval } from '../execution/approvals';
import type { LocalDependencies } from './local';
import { runStageStep } from '../execution/stage-steps';

/** Lambda invocations return `{Payload}`; the local handlers answer in the same shape. */
const invoked = <P>(run: (payload: P, signal: AbortSignal) => Promise<unknown>): TaskHandler =>
  async (parameters, _binding, signal) => ({ Payload: await run(parameters.Payload as P, signal) });

/** The handlers of one execution's Tasks: the same steps the Lambda functions run on AWS. */
export function localHandlers(deps: LocalDependencies, pipeline: PipelineRef, options: LocalRunOptions): TaskHandlers {
  const builds = new LocalCodeBuildBuilds();
  const withBuilds = { ...deps, builds };
  return {
    enterStage: invoked<StageStepPayload>((payload) => runStageStep(deps, payload)),
    exitStage: invoked<StageStepPayload>((payload) => runStageStep(deps, payload)),
    failStage: invoked<StageStepPayload>((payload) => runStageStep(deps, payload)),
    runAction: invoked<ActionStepPayload>((payload, signal) => runAction(deps, payload, signal)),
    prepareBuild: invoked<ActionStepPayload>((payload) => prepareBuild(deps, payload)),
    completeBuild: invoked<ActionStepPayload>((payload) => completeBuild(withBuilds, payload)),
    failBuild: invoked<ActionStepPayload>((payload) => failBuild(withBuilds, payload)),
    startBuild: (parameters, binding, signal) =>
      startBuildLocally(
        deps,
        parameters as unknown as StartBuildParameters,
        { pipelineName: pipeline.name, executionId: pipeline.executionId, stageName: binding.stage, actionName: binding.action! },
        signal,
        builds,
      ),
    requestApproval: invoked<ActionStepPayload>(async (payload, signal) => {
      if (options.autoApprove) {
        await approveAutomatically(deps, payload, 'sluice run --auto-approve');
        return {};
      }
      return waitForApproval(deps, payload, signal, options);
    }),
  };
}

/**
 * A Manual approval on the local engine: the Task waits on a token that a decision (the page's
 * POST or PutApprovalResult) calls back, until it expires or the run is stopped.
 */
async function waitForApproval(deps: LocalDependencies, payload: ActionStepPayload, signal: AbortSignal, options: LocalRunOptions): Promise<Record<string, unknown>> {
  const taskToken = deps.newSecret();
  const decided = deps.callbacks.wait(taskToken);
  const approval = await requestApproval(deps, { ...payload, taskToken });
  options.onApproval?.(approval, deps.approvalUrl(approval.approvalId));
  const expire = async () => {
    const current = await deps.approvals.getApproval(approval.approvalId);
    if (current) await expireIfDue(deps, current);
  };
  // Node's timers hold at most about 24.8 days; a later expiry is checked again when this fires.
  const timer = setTimeout(() => void expire(), Math.min(Date.parse(approval.expiresAt) - deps.clock().getTime(), 2 ** 31 - 1));
  const stop = () => void deps.callbacks.fail(taskToken, new StoppedError(STOPPED_BY_USER)).catch(() => undefined);
  signal.addEventListener('abort', stop, { once: true });
  try {
    return await decided;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', stop);
  }
}
