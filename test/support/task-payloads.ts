import type { ActionDeclaration } from '../../lib/core/declaration';
import type { ActionStepPayload, PipelineRef } from '../../lib/core/task-payloads';

/** The payload the compiled approval Task sends for `action` of `stage`, with the token it waits on. */
export function approvalRequestPayload(pipeline: PipelineRef, stage: string, action: ActionDeclaration, taskToken: string): ActionStepPayload {
  return { step: 'requestApproval', pipeline, stage, action, inputArtifacts: [], namespaces: {}, taskToken };
}
