import type { ActionDeclaration } from '../../lib/core/declaration';
import type { ActionExecutionStatus } from '../../lib/core/status';
import type { ActionStepPayload, PipelineRef } from '../../lib/core/task-payloads';
import type { ActionExecutionRecord } from '../../lib/ports/execution-store';

/** The payload the compiled Task sends to run `action` of `stage`, with no input artifacts or namespaces. */
export function runActionPayload(pipeline: PipelineRef, stage: string, action: ActionDeclaration): ActionStepPayload {
  return { step: 'runAction', pipeline, stage, action, inputArtifacts: [], namespaces: {} };
}

/** The payload the compiled approval Task sends for `action` of `stage`, with the token it waits on. */
export function approvalRequestPayload(pipeline: PipelineRef, stage: string, action: ActionDeclaration, taskToken: string): ActionStepPayload {
  return { ...runActionPayload(pipeline, stage, action), step: 'requestApproval', taskToken };
}

/** The record of `action` of `stage` as its run writes it, with no artifacts, in `status`. */
export function actionRecord(pipeline: PipelineRef, stage: string, action: ActionDeclaration, status: ActionExecutionStatus): ActionExecutionRecord {
  return {
    pipelineExecutionId: pipeline.executionId,
    stageName: stage,
    actionName: action.name,
    actionExecutionId: `${pipeline.executionId}-${action.name}`,
    status,
    startTime: '2025-01-01T00:00:00.000Z',
    lastUpdateTime: '2025-01-01T00:00:00.000Z',
    input: { actionTypeId: action.actionTypeId, configuration: {}, resolvedConfiguration: {}, inputArtifacts: [] },
  };
}
