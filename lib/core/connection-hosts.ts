import { z } from 'zod';
import type { PipelineDeclaration } from './declaration';
import { BadInputError } from './errors';

/**
 * The hosts a CodeStarSourceConnection can reach, as CodeConnections' ProviderType names them.
 * Sluice cannot read a connection (AWS hands out neither its host nor its token), so the
 * installation says which host each connection reaches; a connection it does not name is GitHub's.
 */
export const HOST_TYPES = ['GitHub', 'GitHubEnterpriseServer', 'Bitbucket', 'GitLab', 'GitLabSelfManaged'] as const;
export type HostType = (typeof HOST_TYPES)[number];

/** The hosts that share one token: a self-managed server is read with its family's token. */
export type HostFamily = 'GitHub' | 'Bitbucket' | 'GitLab';

export const HOST_FAMILIES: Record<HostType, HostFamily> = {
  GitHub: 'GitHub',
  GitHubEnterpriseServer: 'GitHub',
  Bitbucket: 'Bitbucket',
  GitLab: 'GitLab',
  GitLabSelfManaged: 'GitLab',
};

/** The host types whose server the installation names by its URL. */
const SELF_MANAGED: ReadonlySet<HostType> = new Set(['GitHubEnterpriseServer', 'GitLabSelfManaged']);

export const connectionHostSchema = z
  .object({
    type: z.enum(HOST_TYPES),
    /** The server's own URL (`https://git.example.com`), for GitHubEnterpriseServer and GitLabSelfManaged only. */
    url: z.url({ protocol: /^https?$/ }).optional(),
  })
  .strict()
  .superRefine((host, context) => {
    if (SELF_MANAGED.has(host.type) && !host.url)
      context.addIssue({ code: 'custom', path: ['url'], message: `a ${host.type} connection needs the server's url, such as https://git.example.com` });
    if (!SELF_MANAGED.has(host.type) && host.url)
      context.addIssue({
        code: 'custom',
        path: ['url'],
        message: `${host.type} has one public API; url is for GitHubEnterpriseServer and GitLabSelfManaged connections`,
      });
  });

export type ConnectionHost = z.infer<typeof connectionHostSchema>;

/** A connection's ARN, or its id (the ARN's last part), to the host it reaches. */
export const connectionsSchema = z.record(z.string().min(1), connectionHostSchema);

export type Connections = z.infer<typeof connectionsSchema>;

/** The host of a connection no setting names: GitHub, as CodeStarSourceConnection sources read before connections were configurable. */
export const DEFAULT_CONNECTION_HOST: ConnectionHost = { type: 'GitHub' };

/** The connection id at the end of a connection's ARN (`arn:aws:codeconnections:<region>:<account>:connection/<id>`). */
const connectionId = (connectionArn: string) => connectionArn.slice(connectionArn.lastIndexOf('/') + 1);

/** The host that `connections` gives the connection, by its ARN or by its id; GitHub when neither is named. */
export function connectionHost(connections: Connections, connectionArn: string | undefined): ConnectionHost {
  if (!connectionArn) return DEFAULT_CONNECTION_HOST;
  return connections[connectionArn] ?? connections[connectionId(connectionArn)] ?? DEFAULT_CONNECTION_HOST;
}

/** Parses the connections setting given as JSON text (an environment variable); a bad value is refused, naming the connection. */
export function parseConnections(text: string | undefined, source: string): Connections {
  if (!text?.trim()) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BadInputError(`${source} is not JSON: ${(error as Error).message}. Give an object from connection ARNs or ids to {"type": ..., "url": ...}.`);
  }
  const parsed = connectionsSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`).join('; ');
    throw new BadInputError(`${source} has bad connections: ${problems}.`);
  }
  return parsed.data;
}

/** The public APIs of the hosts that have one, which an installation may point elsewhere (a proxy, a test server). */
export const PUBLIC_API_URLS: Record<HostFamily, string> = {
  GitHub: 'https://api.github.com',
  Bitbucket: 'https://api.bitbucket.org/2.0',
  GitLab: 'https://gitlab.com/api/v4',
};

/** Where a self-managed server serves its REST API, under its own URL. */
const SELF_MANAGED_API_PATHS: Partial<Record<HostType, string>> = { GitHubEnterpriseServer: '/api/v3', GitLabSelfManaged: '/api/v4' };

/** The REST API of a connection's host: a server's own under its URL, else the public one (as `publicApiUrls` may override it). */
export function hostApiUrl(host: ConnectionHost, publicApiUrls: Partial<Record<HostFamily, string>> = {}): string {
  const path = SELF_MANAGED_API_PATHS[host.type];
  if (path && host.url) return `${host.url.replace(/\/+$/, '')}${path}`;
  const family = HOST_FAMILIES[host.type];
  return publicApiUrls[family] ?? PUBLIC_API_URLS[family];
}

/** How messages name a connection's host: its type, and a server's URL. */
export const describeHost = (host: ConnectionHost) => (host.url ? `${host.type} at ${host.url}` : host.type);

const actionsOf = (pipeline: PipelineDeclaration) => pipeline.stages.flatMap((stage) => stage.actions);

/** The ConnectionArn of the pipeline's action named `actionName`, if it has one. */
export function actionConnectionArn(pipeline: PipelineDeclaration, actionName: string | undefined): string | undefined {
  return actionsOf(pipeline).find((action) => action.name === actionName)?.configuration?.ConnectionArn;
}

/** The ConnectionArn of the pipeline's first action that reads `repository` (owner/name) through a connection, if any does. */
export function repositoryConnectionArn(pipeline: PipelineDeclaration, repository: string): string | undefined {
  const reads = (id: string | undefined) => id?.toLowerCase() === repository.toLowerCase();
  return actionsOf(pipeline).find((action) => action.configuration?.ConnectionArn && reads(action.configuration.FullRepositoryId))?.configuration
    ?.ConnectionArn;
}
