import path from 'node:path';
import type { LocalConsoleSessions } from '../adapters/local/console-sessions';
import { startLocalHttpServer, type LocalHttpServer, type LocalHttpServerOptions } from '../adapters/local/local-http-server';
import { packageRoot } from '../adapters/local/package-root';
import type { ConsoleConfig } from '../api/console-config';
import { artifactDownloads } from '../api/artifact-downloads';
import { consoleEventStreams } from '../api/console-streams';
import type { BlobStore } from '../ports/blob-store';
import type { EventFeed } from '../ports/event-bus';
import { httpApi, type HttpApiDependencies } from '../api/http-api';
import type { SigningCredentials } from '../api/request-signature';
import type { WebhookRouteDependencies } from '../api/webhook-routes';
import type { ApprovalDependencies } from '../execution/approvals';
import type { Caller } from '../core/audit';
import type { SluiceApi } from '../operations/sluice-api';

/** The console here: signed in by a link from `sluice console`, and following executions as the server streams their events. */
const LOCAL_CONSOLE_CONFIG: ConsoleConfig = { auth: { kind: 'local' }, live: 'sse' };

/** How often the console's log stream reads a running action's log again. */
const LOG_POLL_MS = 500;

export interface LocalHttpApiOptions extends Omit<LocalHttpServerOptions, 'httpApi' | 'consoleSessions' | 'eventStreams' | 'downloads'> {
  /** The API, its control operations recorded as done by the caller of each request. */
  api: (caller: Caller) => SluiceApi;
  /** Who a request that carries the API token, or is signed with the installation's credentials, is. */
  localPrincipal: string;
  approvals: ApprovalDependencies;
  /** GitHub's webhook, where deliveries can start executions. */
  webhooks?: WebhookRouteDependencies;
  /** The installation's credentials, which CodePipeline's protocol at `POST /` must be signed with. */
  credentials: () => Promise<SigningCredentials>;
  /** The console's sign-in links, and the sessions they open. */
  consoleSessions: LocalConsoleSessions;
  /** Every event of the installation, which the console's stream passes on. */
  events: EventFeed;
  /** The store the artifact zips are downloaded from. */
  blobs: BlobStore;
}

/** `sluice serve`'s HTTP API: the handler that Lambda runs on AWS, behind the local server; what it logs goes to stderr. */
export function startLocalHttpApi({
  api,
  localPrincipal,
  approvals,
  webhooks,
  credentials,
  consoleSessions,
  events,
  blobs,
  ...server
}: LocalHttpApiOptions): Promise<LocalHttpServer> {
  const deps: HttpApiDependencies = {
    api,
    localPrincipal,
    approvals: () => approvals,
    codePipelineCallers: { verify: 'signature' as const, credentials },
    ...(webhooks ? { webhookDelivery: () => ({ deps: webhooks }), webhookSecretCommand: webhooks.secretCommand } : {}),
    // As `npm run build` makes it, beside the CLI's bundle.
    console: { assetsDir: path.join(packageRoot(), 'dist', 'console'), config: LOCAL_CONSOLE_CONFIG },
    consoleSignIn: consoleSessions,
  };
  return startLocalHttpServer({
    ...server,
    consoleSessions,
    eventStreams: consoleEventStreams({ api, events, logPollMs: LOG_POLL_MS }),
    downloads: artifactDownloads({ api, blobs, localPrincipal }),
    httpApi: httpApi(deps, { log: console }),
  });
}
