import type { ExecutionDetail, SluiceApi } from '../operations/sluice-api';
import type { HttpRequest, HttpResponse } from './http-types';
import { jsonResponse } from './json-api';

/**
 * An execution as its page shows it, to anyone who can reach it: a Manual approval's token and
 * id, with which it can be decided, are left out, as are the approver's address and browser.
 */
function withoutApprovalSecrets(detail: ExecutionDetail): unknown {
  return {
    ...detail,
    actions: detail.actions.map(({ approval, ...action }) => {
      if (!approval?.decision) return action;
      const { ip: _ip, userAgent: _userAgent, ...decision } = approval.decision;
      return { ...action, approval: { decision } };
    }),
  };
}

/** `/executions/{id}`, which notification mails and commit statuses link to: a read-only view of an execution. */
export async function executionPage(api: SluiceApi, executionId: string): Promise<HttpResponse> {
  return jsonResponse(200, withoutApprovalSecrets(await api.getPipelineExecution(executionId)));
}

/** `/executions/{id}/logs?action=...`: the logs of an execution's actions, or of one, as text. */
export async function executionLogsPage(api: SluiceApi, executionId: string, request: HttpRequest): Promise<HttpResponse> {
  const logs = await api.getLogs(executionId, request.query.action);
  const text = logs.map((log) => (request.query.action ? log.text : `==> ${log.stageName}/${log.actionName} <==\n${log.text}`)).join('\n');
  return {
    status: 200,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' },
    body: text,
  };
}
