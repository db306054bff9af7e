import { startLocalHttpServer, type LocalHttpServer, type LocalHttpServerOptions } from '../adapters/local/local-http-server';
import { httpApi } from '../api/http-api';
import type { SigningCredentials } from '../api/request-signature';
import type { WebhookRouteDependencies } from '../api/webhook-routes';
import type { ApprovalDependencies } from '../execution/approvals';
import type { SluiceApi } from '../operations/sluice-api';

export interface LocalHttpApiOptions extends Omit<LocalHttpServerOptions, 'httpApi'> {
  api: SluiceApi;
  approvals: ApprovalDependencies;
  /** GitHub's webhook, where deliveries can start executions. */
  webhooks?: WebhookRouteDependencies;
  /** The installation's credentials, which CodePipeline's protocol at `POST /` must be signed with. */
  credentials: () => Promise<SigningCredentials>;
}

/** `sluice serve`'s HTTP API: the handler that Lambda runs on AWS, behind the local server; what it logs goes to stderr. */
export function startLocalHttpApi({ api, approvals, webhooks, credentials, ...server }: LocalHttpApiOptions): Promise<LocalHttpServer> {
  const deps = {
    api: () => api,
    approvals: () => approvals,
    codePipelineCallers: { verify: 'signature' as const, credentials },
    ...(webhooks ? { webhookDelivery: () => ({ deps: webhooks }) } : {}),
  };
  return startLocalHttpServer({ ...server, httpApi: httpApi(deps, { log: console }) });
}
