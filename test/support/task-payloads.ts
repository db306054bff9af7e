import type { ActionDeclaration } from '../../lib/core/declaration';
import type { ActionStepPayload, PipelineRef } from '../../lib/core/task-payloads';

/** The payload the compiled Task sends to run `action` of `stage`, with no input artifacts or namespaces. */
export function runActionPayload(pipeline: PipelineRef, stage: string, action: ActionDeclaration): ActionStepPayload {
  return { step: 'runAction', pipeline, stage, action, inputArtifacts: [], namespaces: {} };
}

/** The payload the compiled approval Task sends for `action` of `stage`, with the token it waits on. */
export function approvalRequestPayload(pipeline: PipelineRef, stage: string, action: ActionDeclaration, taskToken: string): ActionStepPayload {
  return { ...runActionPayload(pipeline, stage, action), step: 'requestApproval', taskToken };
}
