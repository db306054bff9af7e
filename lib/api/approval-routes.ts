import { approvalNotice, approvalPage, type BuiltFrom } from './approval-page';
import type { HttpRequest, HttpResponse } from './http-types';
import { approvalSubject, decideByLink, decisionMessage, type ApprovalDependencies } from '../execution/approvals';
import { recordControl } from '../execution/audit';

/**
 * Mail scanners fetch links before people do: nothing here may be cached, framed or followed on.
 * The referrer policy keeps the link from other sites, yet lets the form's POST carry the page's
 * own Origin, which the server checks (`no-referrer` would make it `null`).
 */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  'referrer-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
  'x-robots-tag': 'noindex',
};

const respond = (status: number, body: string): HttpResponse => ({ status, headers: PAGE_HEADERS, body });
/** 403 for an approval id that is well-formed but unknown or does not match, 404 for a path that cannot be an approval's. */
const NOT_VALID = (status: 403 | 404 = 403) =>
  respond(status, approvalNotice('Link not valid', 'This approval link is not valid. Open the link from the approval mail.'));

const APPROVAL_PATH = /^\/approvals\/([A-Za-z0-9_-]{16,128})$/;

/** The source revisions of the execution, to show the approver what was built. */
async function builtFrom(deps: ApprovalDependencies, executionId: string): Promise<BuiltFrom> {
  const actions = await deps.store.listActions(executionId);
  return actions
    .filter((action) => action.input.actionTypeId.category === 'Source' && action.output)
    .map((action) => ({ action: action.actionName, details: action.output!.outputVariables }));
}

/**
 * `/approvals/{id}`: GET shows the confirmation page and HEAD answers alike, both without
 * changing anything; only a POST from the page, with its nonce, decides.
 */
export async function handleApprovalRequest(deps: ApprovalDependencies, request: HttpRequest): Promise<HttpResponse | undefined> {
  const match = APPROVAL_PATH.exec(request.path);
  if (!match && !request.path.startsWith('/approvals/')) return undefined;
  if (!match) return NOT_VALID(404);
  const approvalId = match[1]!;

  if (request.method === 'GET' || request.method === 'HEAD') {
    const approval = await deps.approvals.getApproval(approvalId);
    if (!approval) return NOT_VALID();
    const expired = approval.status === 'Expired' || (approval.status === 'Pending' && deps.clock().getTime() >= Date.parse(approval.expiresAt));
    const response = expired
      ? respond(410, approvalNotice('Approval expired', `This approval expired at ${approval.expiresAt}.`, approval))
      : approval.status !== 'Pending'
        ? respond(200, approvalNotice('Already decided', decisionMessage(approval), approval))
        : respond(200, approvalPage(approval, await builtFrom(deps, approval.pipelineExecutionId)));
    return request.method === 'HEAD' ? { ...response, body: '' } : response;
  }

  if (request.method !== 'POST') return { status: 405, headers: { ...PAGE_HEADERS, allow: 'GET, HEAD, POST' }, body: '' };
  const form = new URLSearchParams(request.body);
  const decision = form.get('decision');
  if (decision !== 'approve' && decision !== 'reject') {
    return respond(400, approvalNotice('No decision', 'Choose Approve or Reject on the approval page.'));
  }
  const outcome = await decideByLink(deps, approvalId, form.get('nonce') ?? '', {
    status: decision === 'approve' ? 'Approved' : 'Rejected',
    approver: form.get('approver')?.trim().slice(0, 100) || 'an approver using the mailed link',
    summary: form.get('comment')?.trim().slice(0, 512) || undefined,
    ip: request.sourceIp,
    userAgent: request.headers['user-agent']?.slice(0, 256),
  });
  switch (outcome.kind) {
    case 'unknown':
      return NOT_VALID();
    case 'expired':
      return respond(410, approvalNotice('Approval expired', decisionMessage(outcome.record), outcome.record));
    case 'already':
      return respond(409, approvalNotice('Already decided', decisionMessage(outcome.record), outcome.record));
    case 'ended':
      return respond(
        409,
        approvalNotice('Execution ended', 'The execution this approval belongs to has ended; there is nothing left to decide.', outcome.record),
      );
    case 'decided': {
      // The link proves only that its holder had the mail: who is the name given on the page.
      const caller = { who: outcome.record.decision!.approver, from: `approval link${request.sourceIp ? ` from ${request.sourceIp}` : ''}` };
      await recordControl(deps, caller, approvalSubject(outcome.record));
      const approved = outcome.record.status === 'Approved';
      return respond(
        200,
        approvalNotice(
          approved ? 'Approved' : 'Rejected',
          approved ? 'Thank you. The pipeline goes on.' : 'Thank you. The stage has failed and the pipeline stops.',
          outcome.record,
        ),
      );
    }
  }
}
