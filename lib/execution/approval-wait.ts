import type { ActionStepPayload } from '../core/task-payloads';
import type { ApprovalRecord } from '../ports/approval-store';
import { expireIfDue, requestedApprovalId, type ApprovalDependencies } from './approvals';

/**
 * While a Manual approval's Task waits on a local engine, which has no Task timeout of days: tells
 * `onApproval` about the approval that the request recorded, and expires it when it is due.
 * Returns what stops the expiry timer, once the Task waits no more.
 */
export async function watchApproval(
  deps: ApprovalDependencies,
  payload: ActionStepPayload,
  onApproval?: (approval: ApprovalRecord, url: string) => void,
): Promise<() => void> {
  const approvalId = await requestedApprovalId(deps, payload);
  const approval = approvalId && (await deps.approvals.getApproval(approvalId));
  if (!approval) throw new TypeError(`The approval of ${payload.stage}/${payload.action.name} was not recorded.`);
  onApproval?.(approval, deps.approvalUrl(approval.approvalId));
  const expire = async () => {
    const current = await deps.approvals.getApproval(approval.approvalId);
    if (current) await expireIfDue(deps, current);
  };
  // Node's timers hold at most about 24.8 days; a later expiry is checked again when this fires.
  const timer = setTimeout(() => void expire(), Math.min(Date.parse(approval.expiresAt) - deps.clock().getTime(), 2 ** 31 - 1));
  return () => clearTimeout(timer);
}
