import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import type { IdempotencyLambdaHandlerOptions } from '@aws-lambda-powertools/idempotency/types';
import { actionRunner } from '../../functions/tasks/action-runner';
import { approvalRequest } from '../../functions/tasks/approval-request';
import { stageStep } from '../../functions/tasks/stage-step';
import { InProcessIdempotencyStore } from '../adapters/local/in-process-idempotency-store';
import { lambdaTaskHandlers } from '../adapters/local/lambda-task-handlers';
import { startBuildLocally, type StartBuildParameters } from '../adapters/local/local-codebuild';
import { LocalCodeBuildBuilds } from '../adapters/local/local-codebuild-builds';
import type { LocalRunOptions, TaskHandler, TaskHandlers } from '../adapters/local/local-engine';
import type { CompiledPipeline } from '../core/compile';
import type { TaskFunction } from '../core/task-functions';
import { TASK_IDEMPOTENCY_KEY, type PipelineRef } from '../core/task-payloads';
import { approveAutomatically } from '../execution/approval-steps';
import { watchApproval } from '../execution/approval-wait';
import { endJobFunctions, watchJob } from '../execution/custom-action-jobs';
import { holdIfStopping, startsSomething, type StoppingWait } from '../execution/stop-execution';
import type { ExecutionStore } from '../ports/execution-store';
import type { LocalDependencies } from './local';

/**
 * The Task handlers of one execution: the functions that serverless.yml deploys, built on the
 * local stack, and local CodeBuild for StartBuild. Each function keeps its idempotency records
 * for the run, as each Lambda function has its own.
 */
export function localTaskHandlers(deps: LocalDependencies, compiled: CompiledPipeline, pipeline: PipelineRef, options: LocalRunOptions): TaskHandlers {
  const builds = new LocalCodeBuildBuilds();
  const withBuilds = { ...deps, builds };
  const handlers = lambdaTaskHandlers({
    compiled,
    functions: {
      stageStep: stageStep({ dependencies: () => deps, idempotency: taskIdempotency('stageStep') }),
      actionRunner: actionRunner({ dependencies: () => withBuilds, idempotency: taskIdempotency('actionRunner') }),
      approvalRequest: approvalRequest({ dependencies: () => deps }),
    },
    startBuild: (parameters, binding, signal) =>
      startBuildLocally(
        deps,
        parameters as unknown as StartBuildParameters,
        { pipelineName: pipeline.name, executionId: pipeline.executionId, stageName: binding.stage, actionName: binding.action! },
        signal,
        builds,
      ),
    callbacks: deps.callbacks,
    newTaskToken: deps.newSecret,
    whileWaiting: async (payload, answer) => {
      if (payload.step !== 'queueJob') return watchApproval(deps, payload, options.onApproval);
      const job = answer as { jobId: string; expiresAt: string };
      const stopWatching = watchJob(deps, job);
      return () => {
        stopWatching();
        // Its action no longer waits: a function still running here for it, hung or not, ends.
        // Nothing waits on this; the processes' watchers end them with this process anyway.
        endJobFunctions(deps, job.jobId).catch(() => undefined);
      };
    },
    ...(options.autoApprove ? { autoApprove: (payload) => approveAutomatically(deps, payload, 'sluice run --auto-approve') } : {}),
  });
  return heldWhileStopping(handlers, deps.store, pipeline.executionId);
}

/**
 * Stop and wait, locally: once the execution is Stopping, no step that starts something runs; each
 * waits for the stop, which the process that marked it Stopping makes once the actions in progress
 * have finished (stopOnceActionsFinish). The steps that finish an action in progress, or fail its
 * stage, still run.
 */
export function heldWhileStopping(handlers: TaskHandlers, store: ExecutionStore, executionId: string): TaskHandlers {
  const held =
    (handler: TaskHandler): TaskHandler =>
    async (parameters, binding, signal) => {
      await holdIfStopping(store, executionId, binding.step, untilStopped(signal));
      return handler(parameters, binding, signal);
    };
  return Object.fromEntries(Object.entries(handlers).map(([step, handler]) => [step, startsSomething(step) ? held(handler) : handler])) as TaskHandlers;
}

/** A local step waits for the abort of its run, whichever stop it comes from. */
function untilStopped(signal: AbortSignal): StoppingWait {
  const aborted = async () => {
    if (!signal.aborted) await new Promise((stopped) => signal.addEventListener('abort', stopped, { once: true }));
  };
  return {
    forActions: async () => {
      await aborted();
      return false;
    },
    stop: aborted,
  };
}

function taskIdempotency(functionName: TaskFunction): IdempotencyLambdaHandlerOptions {
  return {
    persistenceStore: new InProcessIdempotencyStore(),
    config: new IdempotencyConfig({ eventKeyJmesPath: TASK_IDEMPOTENCY_KEY, throwOnNoIdempotencyKey: true }),
    keyPrefix: `sluice-local-${functionName}`,
  };
}
