import { startLocalHttpServer, type LocalHttpServer, type LocalHttpServerOptions } from '../adapters/local/local-http-server';
import { httpApi, type HttpApiDependencies } from '../api/http-api';
import type { SigningCredentials } from '../api/request-signature';
import type { WebhookRouteDependencies } from '../api/webhook-routes';
import type { ApprovalDependencies } from '../execution/approvals';

export interface LocalHttpApiOptions extends Omit<LocalHttpServerOptions, 'httpApi'> {
  /** The API, its control operations recorded as done by the caller of each request. */
  api: HttpApiDependencies['api'];
  /** Who a request that carries the API token, or is signed with the installation's credentials, is. */
  localPrincipal: string;
  approvals: ApprovalDependencies;
  /** GitHub's webhook, where deliveries can start executions. */
  webhooks?: WebhookRouteDependencies;
  /** The installation's credentials, which CodePipeline's protocol at `POST /` must be signed with. */
  credentials: () => Promise<SigningCredentials>;
}

/** `sluice serve`'s HTTP API: the handler that Lambda runs on AWS, behind the local server; what it logs goes to stderr. */
export function startLocalHttpApi({ api, localPrincipal, approvals, webhooks, credentials, ...server }: LocalHttpApiOptions): Promise<LocalHttpServer> {
  const deps: HttpApiDependencies = {
    api,
    localPrincipal,
    approvals: () => approvals,
    codePipelineCallers: { verify: 'signature' as const, credentials },
    ...(webhooks ? { webhookDelivery: () => ({ deps: webhooks }) } : {}),
  };
  return startLocalHttpServer({ ...server, httpApi: httpApi(deps, { log: console }) });
}
