import httpRouterHandler, { type Method } from '@middy/http-router';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { errorAnswer, InternalError, MethodNotAllowedError, NotFoundError, SluiceError } from '../core/errors';
import type { Caller } from '../core/audit';
import type { ApprovalDependencies } from '../execution/approvals';
import type { SluiceApi } from '../operations/sluice-api';
import type { ConsoleSignIn } from '../ports/console-sign-in';
import type { Admission, HttpApi } from '../ports/http-api';
import { apiGatewayResultFromHttpResponse, httpRequestFromApiGateway } from './api-gateway-v2';
import type { CodePipelineCallers } from './codepipeline/codepipeline-route';
import { API_ROUTES } from './api-routes';
import { artifactLink, type ArtifactLinkDependencies } from './artifact-downloads';
import { consoleAsset, consoleConfigAnswer, consoleHeaders, consolePage, consoleSessionAnswer, signInLinkAnswer, type ConsoleBundle } from './console-routes';
import { handleApprovalRequest } from './approval-routes';
import { executionLogsPage, executionPage } from './execution-routes';
import type { HttpRequest, HttpResponse } from './http-types';
import { jsonApiRequest, jsonResponse } from './json-api';
import { pathParameter } from './path-parameter';
import { handleWebhookRequest, refuseWebhookBeforeBody, WEBHOOK_MAX_BODY_BYTES, type WebhookRouteDependencies } from './webhook-routes';

/** One GitHub delivery's dependencies, and what it leaves running that must end before the answer. */
export interface WebhookDelivery {
  deps: WebhookRouteDependencies;
  /** On Lambda, the container freezes once the answer is given. */
  settled?(): Promise<void>;
}

/**
 * What the routes use, each made when a route first needs it: on Lambda, building one reads the
 * environment and makes clients that another route may not need, and loads their modules.
 */
export interface HttpApiDependencies {
  /** The API, its control operations recorded as done by `caller`. */
  api: (caller: Caller) => SluiceApi | Promise<SluiceApi>;
  approvals: () => ApprovalDependencies | Promise<ApprovalDependencies>;
  /**
   * Who an authenticated request is where no gateway names its principal: locally, the user who
   * owns the data dir, the only one who can read its API token and credentials.
   */
  localPrincipal?: string;
  /** GitHub's webhook, served only where deliveries can start executions: the dependencies of one delivery. */
  webhookDelivery?: () => WebhookDelivery | Promise<WebhookDelivery>;
  /** The command that prints a host's webhook secret, for the refusals of deliveries; `sluice webhook-secret` unless given. */
  webhookSecretCommand?: WebhookRouteDependencies['secretCommand'];
  /** How CodePipeline's protocol at `POST /` knows its callers; without it, `POST /` is not served. */
  codePipelineCallers?: CodePipelineCallers;
  /** The console's bundle, served at `/` and `/assets/`; without it, neither is. */
  console?: ConsoleBundle;
  /** Sign-in links and their sessions, where this server holds the codes (`sluice serve`). */
  consoleSignIn?: ConsoleSignIn;
  /**
   * Links to artifacts' zips, where the server cannot stream them (API Gateway on AWS); without
   * it, the artifact routes are not served here (`sluice serve` streams them itself).
   */
  artifactLinks?: () => ArtifactLinkDependencies | Promise<ArtifactLinkDependencies>;
}

/** Where an error's detail goes when the caller is not told it. */
export interface RequestLog {
  error(message: string, detail: Record<string, unknown>): void;
}

/** The most any other request may carry: declarations are at most 256 KiB. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** What a route knows of the request besides itself: its id, and where the detail of a failure it answers itself goes. */
interface RequestContext {
  requestId: string;
  log: RequestLog;
}

type Respond = (request: HttpRequest, deps: HttpApiDependencies, params: Record<string, string>, context: RequestContext) => Promise<HttpResponse>;

interface Route {
  method: Method;
  /** A path template, as `@middy/http-router` takes it. */
  path: string;
  respond: Respond;
}

/** The path parameters, percent-decoded: the router matches the path as it was sent. */
const decoded = (params: Record<string, string>) => Object.fromEntries(Object.entries(params).map(([name, value]) => [name, pathParameter(value)]));

const nothingAt = (path: string) => new NotFoundError(`Nothing at ${path}.`);

const API_PREFIX = '/api';
const CONSOLE_API_PREFIX = '/console/api';

/** What a route needs that only some runtimes have: where it is absent, the route is not served. */
const servedHere = <T>(request: HttpRequest, dependency: T | undefined): T => {
  if (dependency === undefined) throw nothingAt(request.path);
  return dependency;
};

/** Who made a request that proved who it is: the principal its authorizer names (IAM or the console's Cognito user on AWS), the local principal here. */
const callerOf = (request: HttpRequest, deps: HttpApiDependencies): Caller => ({
  who: request.principal ?? deps.localPrincipal ?? 'an unnamed principal',
  from: request.sourceIp || 'an unknown address',
});

/** The execution pages only read, and prove nothing of their reader. */
const readerOf = (request: HttpRequest): Caller => ({ who: 'anyone with the link', from: request.sourceIp || 'an unknown address' });

async function webhookResponse(request: HttpRequest, deps: HttpApiDependencies): Promise<HttpResponse> {
  if (!deps.webhookDelivery) throw nothingAt(request.path);
  const delivery = await deps.webhookDelivery();
  try {
    return await handleWebhookRequest(delivery.deps, request);
  } finally {
    await delivery.settled?.();
  }
}

/**
 * Every route of the HTTP API. On AWS, API Gateway sends `/api/{proxy+}` (with IAM
 * authorization), `/approvals/{id}` and `/webhooks/github` here; the execution pages are served
 * locally only, where notification mails link to them.
 */
const ROUTES: Route[] = [
  {
    method: 'POST',
    path: '/',
    respond: async (request, deps, _, context) => {
      if (!deps.codePipelineCallers) throw nothingAt(request.path);
      // The signature is verified before the API is used: its caller is who the request proves it is.
      const api = () => deps.api(callerOf(request, deps));
      // CodePipeline's protocol and its operations' schemas load with its first call.
      const { codePipelineResponse } = await import('./codepipeline/codepipeline-route');
      return codePipelineResponse(request, { api, callers: deps.codePipelineCallers }, { ...context, now: new Date() });
    },
  },
  // The console's page calls the same routes as the API's clients, under its own prefix, which its own sign-in guards.
  ...[API_PREFIX, CONSOLE_API_PREFIX].flatMap((prefix) =>
    API_ROUTES.map(({ method, path, run }): Route => ({
      method,
      path: `${prefix}${path.slice(API_PREFIX.length)}`,
      respond: async (request, deps, params) => jsonResponse(200, await run(await deps.api(callerOf(request, deps)), decoded(params), jsonApiRequest(request))),
    })),
  ),
  // The browser is sent on to the zip: an answer through API Gateway could hold no more than 6 MB of it.
  ...[API_PREFIX, CONSOLE_API_PREFIX].map((prefix): Route => ({
    method: 'GET',
    path: `${prefix}/executions/{id}/artifacts/{artifactName}`,
    respond: async (request, deps, params) => {
      const { id, artifactName } = decoded(params);
      const link = await artifactLink(await deps.api(callerOf(request, deps)), await servedHere(request, deps.artifactLinks)(), id!, artifactName!);
      return jsonResponse(200, { url: link.url, expiresAt: link.expiresAt.toISOString() });
    },
  })),
  {
    method: 'POST',
    path: '/api/console/sign-in-links',
    respond: async (request, { consoleSignIn }) => signInLinkAnswer(servedHere(request, consoleSignIn)),
  },
  {
    method: 'POST',
    path: '/console/sessions',
    respond: async (request, { consoleSignIn }) => consoleSessionAnswer(servedHere(request, consoleSignIn), request),
  },
  {
    method: 'ANY',
    path: '/approvals/{proxy+}',
    respond: async (request, { approvals }) => (await handleApprovalRequest(await approvals(), request)) ?? Promise.reject(nothingAt(request.path)),
  },
  { method: 'ANY', path: '/webhooks/{proxy+}', respond: webhookResponse },
  ...(['GET', 'HEAD'] as const).flatMap((method): Route[] => [
    { method, path: '/executions/{id}', respond: async (request, { api }, params) => executionPage(await api(readerOf(request)), decoded(params).id!) },
    {
      method,
      path: '/executions/{id}/logs',
      respond: async (request, { api }, params) => executionLogsPage(await api(readerOf(request)), decoded(params).id!, request),
    },
    { method, path: '/', respond: async (request, deps) => consolePage(servedHere(request, deps.console)) },
    { method, path: '/assets/{file}', respond: async (request, deps, params) => consoleAsset(servedHere(request, deps.console), decoded(params).file!) },
    { method, path: '/console/config.json', respond: async (request, deps) => consoleConfigAnswer(servedHere(request, deps.console)) },
  ]),
];

const METHODS: Method[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'];

/** For each path, the methods it does not take: they answer 405, naming those it does. */
function methodsNotAllowed(routes: Route[]): Route[] {
  const paths = new Set(routes.filter((route) => route.method !== 'ANY').map((route) => route.path));
  return [...paths].flatMap((path) => {
    const allowed = routes.filter((route) => route.path === path).map((route) => route.method);
    return METHODS.filter((method) => !allowed.includes(method)).map((method): Route => ({
      method,
      path,
      respond: async (request) => Promise.reject(new MethodNotAllowedError(request.path, allowed)),
    }));
  });
}

/**
 * Who must prove who it is: a client of `/api/...` (IAM on AWS, the API token locally), a user of
 * `/console/api/...` (Cognito on AWS, a console session locally). The other routes carry their own proofs.
 */
const authenticated = (path: string): Admission['authenticated'] =>
  path.startsWith(`${API_PREFIX}/`) ? 'api' : path.startsWith(`${CONSOLE_API_PREFIX}/`) ? 'console' : false;

/** What a request may send, from its head alone: only GitHub's webhook takes large bodies, once its headers pass. */
function admission(deps: HttpApiDependencies): HttpApi['admit'] {
  return (head) => {
    const path = head.rawPath;
    const by = authenticated(path);
    if (by) return { authenticated: by, maxBodyBytes: MAX_BODY_BYTES, large: false };
    if (!path.startsWith('/webhooks/') || !deps.webhookDelivery) return { authenticated: false, maxBodyBytes: MAX_BODY_BYTES, large: false };
    const refusal = refuseWebhookBeforeBody(
      { secretCommand: deps.webhookSecretCommand },
      { method: head.requestContext.http.method, path, headers: head.headers },
    );
    return { ...(refusal ? { refusal } : {}), authenticated: false, maxBodyBytes: WEBHOOK_MAX_BODY_BYTES, large: true };
  };
}

/** The paths of the console's own files, as opposed to the API it calls. */
const isConsolePage = ({ method, path }: { method: string; path: string }) =>
  (method === 'GET' || method === 'HEAD') && (path === '/' || path.startsWith('/assets/') || path === '/console/config.json');

/**
 * The answer to a request that failed. A Sluice error answers with its class's status, and with
 * its message where the caller may read it; anything else is a 500 that says only where the log
 * has the detail. The detail of what the caller is not told is logged, with the request id.
 */
function failure(error: unknown, request: { method: string; path: string }, context: Context, log: RequestLog): HttpResponse {
  const requestId = context.awsRequestId;
  const known = error instanceof SluiceError ? error : new InternalError(requestId);
  const { status, headers, body } = errorAnswer(known, { authenticated: Boolean(authenticated(request.path)), requestId });
  if (known !== error || body.requestId !== undefined || status >= 500)
    log.error('Request failed', { requestId, method: request.method, path: request.path, error });
  return jsonResponse(status, body, headers);
}

/**
 * The HTTP API, one route table behind `@middy/http-router`: the handler that Lambda runs behind
 * API Gateway, and that the local server calls with the same events.
 *
 * @example
 * const { handle } = httpApi({ api: () => api, approvals: () => approvals }, { log: console });
 * const result = await handle(apiGatewayEvent, lambdaContext);
 */
export function httpApi(deps: HttpApiDependencies, { log }: { log: RequestLog }): HttpApi {
  const router = httpRouterHandler<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>({
    routes: [...ROUTES, ...methodsNotAllowed(ROUTES)].map(({ method, path, respond }) => ({
      method,
      path,
      handler: async (event: APIGatewayProxyEventV2, context: Context) =>
        apiGatewayResultFromHttpResponse(
          await respond(httpRequestFromApiGateway(event), deps, (event.pathParameters ?? {}) as Record<string, string>, {
            requestId: context.awsRequestId,
            log,
          }),
        ),
    })),
    notFoundResponse: ({ path }) => {
      throw nothingAt(path);
    },
  });
  return {
    admit: admission(deps),
    handle: async (event, context) => {
      try {
        // The router matches the path as sent; API Gateway's parameters, named after its own routes, would shadow the router's.
        return await router({ ...event, pathParameters: undefined }, context);
      } catch (error) {
        const request = { method: event.requestContext.http.method, path: event.rawPath };
        const answer = failure(error, request, context, log);
        // A page the console's bundle lacks is still the console's: the browser is held to its policy.
        if (deps.console && isConsolePage(request)) answer.headers = { ...answer.headers, ...consoleHeaders(deps.console.config) };
        return apiGatewayResultFromHttpResponse(answer);
      }
    },
  };
}
