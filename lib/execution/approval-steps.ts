import type { ActionStepPayload } from '../core/task-payloads';
import { resolveAction } from '../core/variables';
import { finishAction, startAction, variableValues } from './action-steps';
import type { ExecutionDependencies } from './dependencies';

/** Approves a Manual approval at once, recording who decided: for scripts (`sluice run --auto-approve`). */
export async function approveAutomatically(deps: ExecutionDependencies, payload: ActionStepPayload, approver: string): Promise<void> {
  const record = await startAction(deps, payload, resolveAction(payload.action, variableValues(payload)));
  await finishAction(deps, payload, record, {
    status: 'Succeeded',
    outputArtifacts: [],
    outputVariables: {},
    summary: `Approved by ${approver}`,
  });
}
