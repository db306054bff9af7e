import { ApprovalExpiredError, ApprovalRejectedError, TaskNotWaitingError, type SluiceError } from '../core/errors';
import type { ActionStepPayload } from '../core/task-payloads';
import { resolveAction } from '../core/variables';
import type { ApprovalDecision, ApprovalRecord, ApprovalStore } from '../ports/approval-store';
import type { ApprovalRequest } from '../ports/notifier';
import type { TaskCallbacks } from '../ports/task-callbacks';
import { actionRecord, finishAction, variableValues } from './action-steps';
import type { ExecutionDependencies } from './dependencies';
import { publishActionState } from './publish';
import { sameSecret } from '../core/same-secret';
import type { AuditSubject } from '../core/audit';
import type { AuditDependencies } from './audit';

/** Seven days, CodePipeline's default for an approval. */
const DEFAULT_APPROVAL_MINUTES = 7 * 24 * 60;

/** The reason an expired approval's action fails with. */
const EXPIRED = 'expired';

/** Decisions are control operations: they are recorded in the audit trail. */
export interface ApprovalDependencies extends ExecutionDependencies, AuditDependencies {
  approvals: ApprovalStore;
  callbacks: TaskCallbacks;
  /** The confirmation page of an approval: what the mail links to. */
  approvalUrl: (approvalId: string) => string;
  /** An unguessable string for ids and nonces. */
  newSecret: () => string;
  /** Sends CodePipeline's approval request (on AWS, to the action's NotificationArn). */
  notifyApprovers?: (request: ApprovalRequest) => Promise<void>;
}

/**
 * A Manual approval begins: the approval is recorded with an opaque id (the only thing the mail
 * carries), the action shows InProgress with its token, and the approvers are told.
 */
export async function requestApproval(deps: ApprovalDependencies, payload: ActionStepPayload): Promise<ApprovalRecord> {
  if (!payload.taskToken) throw new TypeError('requestApproval needs the task token of the waiting Task.');
  const resumed = await resumeRetriedRequest(deps, payload, payload.taskToken);
  if (resumed) return resumed;
  const resolved = resolveAction(payload.action, variableValues(payload));
  const configuration = resolved.configuration ?? {};
  const now = deps.clock();
  const minutes = resolved.timeoutInMinutes ?? DEFAULT_APPROVAL_MINUTES;
  const approval: ApprovalRecord = {
    approvalId: deps.newSecret(),
    token: deps.newId(),
    taskToken: payload.taskToken,
    nonce: deps.newSecret(),
    pipelineName: payload.pipeline.name,
    pipelineVersion: payload.pipeline.version,
    pipelineExecutionId: payload.pipeline.executionId,
    stageName: payload.stage,
    actionName: payload.action.name,
    ...(configuration.CustomData ? { customData: configuration.CustomData } : {}),
    ...(configuration.ExternalEntityLink ? { externalEntityLink: configuration.ExternalEntityLink } : {}),
    status: 'Pending',
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + minutes * 60_000).toISOString(),
  };
  await deps.approvals.createApproval(approval);
  const record = {
    ...actionRecord(deps, payload, resolved, { actionExecutionId: deps.newId(), startTime: approval.createdAt }),
    approval: { token: approval.token, approvalId: approval.approvalId },
  };
  await deps.store.putAction(record);
  await publishActionState(deps, payload.pipeline, record, 'STARTED');
  await deps.notifyApprovers?.(approvalRequest(approval, deps.approvalUrl(approval.approvalId), configuration.NotificationArn));
  return approval;
}

/**
 * Step Functions retries a Task whose Lambda call failed in transit, with a new task token. If the
 * first attempt got as far as recording the approval, that approval now resumes the new token,
 * and its approvers are not asked twice.
 */
async function resumeRetriedRequest(deps: ApprovalDependencies, payload: ActionStepPayload, taskToken: string): Promise<ApprovalRecord | undefined> {
  const approvalId = await requestedApprovalId(deps, payload);
  if (!approvalId) return undefined;
  await deps.approvals.replaceTaskToken(approvalId, taskToken);
  return deps.approvals.getApproval(approvalId);
}

/** The approval that a request recorded for the action, while the action waits on it. */
export async function requestedApprovalId(deps: ExecutionDependencies, payload: ActionStepPayload): Promise<string | undefined> {
  const actions = await deps.store.listActions(payload.pipeline.executionId);
  return actions.find((entry) => entry.stageName === payload.stage && entry.actionName === payload.action.name && entry.status === 'InProgress')?.approval
    ?.approvalId;
}

function approvalRequest(approval: ApprovalRecord, reviewLink: string, notificationArn: string | undefined): ApprovalRequest {
  const where = `${approval.pipelineName} / ${approval.stageName} / ${approval.actionName}`;
  const lines = [
    `Approval needed: ${where}`,
    '',
    `Review and decide here: ${reviewLink}`,
    ...(approval.customData ? ['', `Notes: ${approval.customData}`] : []),
    ...(approval.externalEntityLink ? [`Content to review: ${approval.externalEntityLink}`] : []),
    '',
    `Execution: ${approval.pipelineExecutionId}`,
    `This request expires at ${approval.expiresAt}.`,
  ];
  return {
    ...(notificationArn ? { notificationArn } : {}),
    subject: `[Sluice] ${approval.pipelineName}: approval needed for ${approval.stageName}/${approval.actionName}`,
    pipelineExecutionId: approval.pipelineExecutionId,
    approval: {
      pipelineName: approval.pipelineName,
      stageName: approval.stageName,
      actionName: approval.actionName,
      token: approval.token,
      expires: approval.expiresAt,
      ...(approval.externalEntityLink ? { externalEntityLink: approval.externalEntityLink } : {}),
      approvalReviewLink: reviewLink,
      ...(approval.customData ? { customData: approval.customData } : {}),
    },
    text: lines.join('\n'),
  };
}

export interface DecisionInput {
  status: 'Approved' | 'Rejected';
  approver: string;
  summary?: string;
  ip?: string;
  userAgent?: string;
}

export type DecisionOutcome =
  | { kind: 'decided'; record: ApprovalRecord }
  | { kind: 'already'; record: ApprovalRecord }
  | { kind: 'expired'; record: ApprovalRecord }
  /** The execution ended (stopped, failed elsewhere, interrupted) while the approval waited. */
  | { kind: 'ended'; record: ApprovalRecord }
  | { kind: 'unknown' };

/** The confirmation page's POST: the nonce must match the one the page was given. */
export async function decideByLink(deps: ApprovalDependencies, approvalId: string, nonce: string, input: DecisionInput): Promise<DecisionOutcome> {
  const approval = await deps.approvals.getApproval(approvalId);
  if (!approval || !sameSecret(nonce, approval.nonce)) return { kind: 'unknown' };
  return decide(deps, approval, input);
}

/** PutApprovalResult: the token that GetPipelineState shows names the approval of an action. */
export async function decideByToken(
  deps: ApprovalDependencies,
  target: { pipelineName: string; stageName: string; actionName: string; token: string },
  input: DecisionInput,
): Promise<DecisionOutcome> {
  for (const execution of await deps.store.listExecutions(target.pipelineName, 10)) {
    const actions = await deps.store.listActions(execution.pipelineExecutionId);
    const action = actions.find(
      (entry) => entry.stageName === target.stageName && entry.actionName === target.actionName && entry.approval?.token === target.token,
    );
    if (!action?.approval) continue;
    const approval = await deps.approvals.getApproval(action.approval.approvalId);
    if (approval && sameSecret(target.token, approval.token)) return decide(deps, approval, input);
  }
  return { kind: 'unknown' };
}

/** An approval opened after its time: it expires, and its action fails with the reason "expired". */
export async function expireIfDue(deps: ApprovalDependencies, approval: ApprovalRecord): Promise<ApprovalRecord> {
  if (approval.status !== 'Pending' || deps.clock().getTime() < Date.parse(approval.expiresAt)) return approval;
  const { decided, record } = await deps.approvals.decide(approval.approvalId, expiry(deps));
  if (!decided) return record!;
  // Expiry does not depend on the Task: its own timer, which started first, has most likely ended it already.
  const failure = new ApprovalExpiredError(EXPIRED);
  const recordEnd = () => finishApprovalAction(deps, record!, { status: 'Failed', error: failure });
  try {
    await deps.callbacks.fail(record!.taskToken, failure, recordEnd);
  } catch (error) {
    if (!(error instanceof TaskNotWaitingError)) throw error;
    await recordEnd();
  }
  return record!;
}

/**
 * A decision tells the waiting Task first and records what happened after, so that a record never
 * says Approved while the Task did not hear it (its timer starts before the approval's, so it
 * can time out first, and Step Functions can fail). Two deciders at once are kept apart by a
 * conditional write that claims the approval (Pending to Deciding) before the Task is told: only
 * the winner calls back, and the other is told it is already decided. The task token alone would
 * not do: the loser's callback fails as a timed-out one does, which would record it "expired".
 * The claim ends in the decision when the Task heard it, in Expired when no Task waits any more
 * (TaskTimedOut, TaskDoesNotExist, InvalidToken), and back in Pending when the callback failed
 * otherwise, so that the approver can try again.
 */
async function decide(deps: ApprovalDependencies, approval: ApprovalRecord, input: DecisionInput): Promise<DecisionOutcome> {
  const current = await expireIfDue(deps, approval);
  if (current.status === 'Expired') return { kind: 'expired', record: current };
  if (current.status !== 'Pending') return { kind: 'already', record: current };
  if (!(await waitingAction(deps, current))) return { kind: 'ended', record: current };
  const decision: ApprovalDecision = {
    status: input.status,
    approver: input.approver,
    at: deps.clock().toISOString(),
    ...(input.summary ? { summary: input.summary } : {}),
    ...(input.ip ? { ip: input.ip } : {}),
    ...(input.userAgent ? { userAgent: input.userAgent } : {}),
  };
  const { claimed, record: claim } = await deps.approvals.claimDecision(approval.approvalId, decision);
  if (!claimed) return claim?.status === 'Expired' ? { kind: 'expired', record: claim } : { kind: 'already', record: claim! };

  const summary = `${input.status} by ${input.approver}${input.summary ? `: ${input.summary}` : ''}`;
  const end: ApprovalActionEnd =
    input.status === 'Approved' ? { status: 'Succeeded', summary } : { status: 'Failed', error: new ApprovalRejectedError(summary) };
  let told = false;
  let decided: ApprovalRecord | undefined;
  const recordDecision = async () => {
    told = true;
    decided = await deps.approvals.completeDecision(approval.approvalId, decision);
    await finishApprovalAction(deps, decided, end);
  };
  try {
    if (end.status === 'Succeeded') await deps.callbacks.succeed(current.taskToken, { status: input.status, summary }, recordDecision);
    else await deps.callbacks.fail(current.taskToken, end.error, recordDecision);
  } catch (error) {
    if (told) throw error;
    if (!(error instanceof TaskNotWaitingError)) {
      await deps.approvals.releaseDecision(approval.approvalId);
      throw error;
    }
    const expired = await deps.approvals.completeDecision(
      approval.approvalId,
      expiry(deps, `expired: the pipeline had stopped waiting when ${input.approver} decided`),
    );
    await finishApprovalAction(deps, expired, { status: 'Failed', error: new ApprovalExpiredError(EXPIRED) });
    return { kind: 'expired', record: expired };
  }
  return { kind: 'decided', record: decided! };
}

const expiry = (deps: ApprovalDependencies, summary = EXPIRED): ApprovalDecision => ({
  status: 'Expired',
  approver: 'nobody',
  summary,
  at: deps.clock().toISOString(),
});

async function waitingAction(deps: ApprovalDependencies, approval: ApprovalRecord) {
  const actions = await deps.store.listActions(approval.pipelineExecutionId);
  return actions.find((entry) => entry.stageName === approval.stageName && entry.actionName === approval.actionName && entry.status === 'InProgress');
}

/** How an approval's action ends: approved, or failed with the error its Task fails with. */
type ApprovalActionEnd = { status: 'Succeeded'; summary: string } | { status: 'Failed'; error: SluiceError };

/**
 * Records the end of the approval's action, unless it has ended already: a rejected or timed-out
 * Task fails its stage, which may end the action first.
 */
async function finishApprovalAction(deps: ApprovalDependencies, approval: ApprovalRecord, end: ApprovalActionEnd): Promise<void> {
  const waiting = await waitingAction(deps, approval);
  if (!waiting) return;
  const action = waiting.approval && approval.decision ? { ...waiting, approval: { ...waiting.approval, decision: approval.decision } } : waiting;
  const payload = {
    pipeline: { name: approval.pipelineName, version: approval.pipelineVersion, executionId: approval.pipelineExecutionId, variables: {} },
    stage: approval.stageName,
    action: { name: approval.actionName, actionTypeId: action.input.actionTypeId },
  } as ActionStepPayload;
  await finishAction(deps, payload, action, end.status === 'Succeeded' ? { ...end, outputArtifacts: [], outputVariables: {} } : end);
}

/** What an approval's page and PutApprovalResult say of an approval that is not waiting for a decision. */
export function decisionMessage(approval: ApprovalRecord): string {
  const decision = approval.decision;
  if (!decision) return 'This approval is still waiting for a decision.';
  if (approval.status === 'Deciding') return `${decision.approver} has ${decision.status.toLowerCase()} it at ${decision.at}; the pipeline is being told.`;
  // The waiting Task's timer starts first, so an approval can expire a little before its expiresAt.
  if (decision.status === 'Expired') return `This approval expired at ${decision.at < approval.expiresAt ? decision.at : approval.expiresAt}.`;
  return `Already ${decision.status.toLowerCase()} by ${decision.approver} at ${decision.at}${decision.summary ? `: ${decision.summary}` : ''}.`;
}

/** A decided approval as the audit trail records it: the decision, the approver it was given in, and its summary as why. */
export function approvalSubject(approval: ApprovalRecord): AuditSubject {
  const decision = approval.decision!;
  return {
    operation: 'PutApprovalResult',
    pipelineName: approval.pipelineName,
    pipelineExecutionId: approval.pipelineExecutionId,
    stageName: approval.stageName,
    actionName: approval.actionName,
    parameters: { result: decision.status, approver: decision.approver },
    ...(decision.summary ? { reason: decision.summary } : {}),
  };
}
