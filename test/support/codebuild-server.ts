import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { text } from 'node:stream/consumers';

/**
 * A local CodeBuild that speaks its JSON 1.1 protocol (`X-Amz-Target: CodeBuild_20161006.*`) for
 * StartBuild, BatchGetBuilds, StartBuildBatch and BatchGetBuildBatches, and refuses what CodeBuild's documented input rules refuse:
 * the shapes, enums, patterns and ranges of botocore's codebuild 2016-10-06 model, the identifier
 * rule of ProjectSource.sourceIdentifier ("only alphanumeric characters and underscores, less than
 * 128 characters"), the reserved `CODEBUILD_` prefix of environment variables ("No user environment
 * variables can start with CODEBUILD_"), and S3 locations of the form `bucket/key`.
 */

/** StartBuildInput's members, as botocore's model lists them. */
export const START_BUILD_MEMBERS = [
  'projectName',
  'secondarySourcesOverride',
  'secondarySourcesVersionOverride',
  'sourceVersion',
  'artifactsOverride',
  'secondaryArtifactsOverride',
  'environmentVariablesOverride',
  'sourceTypeOverride',
  'sourceLocationOverride',
  'sourceAuthOverride',
  'gitCloneDepthOverride',
  'gitSubmodulesConfigOverride',
  'buildspecOverride',
  'insecureSslOverride',
  'reportBuildStatusOverride',
  'buildStatusConfigOverride',
  'environmentTypeOverride',
  'imageOverride',
  'computeTypeOverride',
  'certificateOverride',
  'cacheOverride',
  'serviceRoleOverride',
  'privilegedModeOverride',
  'timeoutInMinutesOverride',
  'queuedTimeoutInMinutesOverride',
  'encryptionKeyOverride',
  'idempotencyToken',
  'logsConfigOverride',
  'registryCredentialOverride',
  'imagePullCredentialsTypeOverride',
  'debugSessionEnabled',
  'fleetOverride',
  'autoRetryLimitOverride',
] as const;

/** StartBuildBatchInput's members, as botocore's model lists them: StartBuild's, with the batch's own timeout and config. */
export const START_BUILD_BATCH_MEMBERS = [
  ...START_BUILD_MEMBERS.filter(
    (member) =>
      !['timeoutInMinutesOverride', 'reportBuildStatusOverride', 'buildStatusConfigOverride', 'fleetOverride', 'autoRetryLimitOverride'].includes(member),
  ),
  'reportBuildBatchStatusOverride',
  'buildTimeoutInMinutesOverride',
  'buildBatchConfigOverride',
] as const;

const SOURCE_TYPES = ['CODECOMMIT', 'CODEPIPELINE', 'GITHUB', 'GITLAB', 'GITLAB_SELF_MANAGED', 'S3', 'BITBUCKET', 'GITHUB_ENTERPRISE', 'NO_SOURCE'];
const ARTIFACT_TYPES = ['CODEPIPELINE', 'S3', 'NO_ARTIFACTS'];
const VARIABLE_TYPES = ['PLAINTEXT', 'PARAMETER_STORE', 'SECRETS_MANAGER'];
const LOG_STATUSES = ['ENABLED', 'DISABLED'];
const IDENTIFIER = /^[A-Za-z0-9_]{1,127}$/;
const S3_PATH = /^(arn:[^:]+:s3:::)?[^/]+\/.+$/;

/** How the builds of a project end. */
export type ProjectOutcome =
  { status: 'SUCCEEDED'; exported?: Record<string, string> } | { status: 'FAILED'; phase: string; statusCode: string; message: string };

/** One build of a project's batch: the buildspec's identifier, how it ends, and the secondary artifacts it writes. */
export interface BatchBuildOutcome {
  identifier: string;
  outcome: ProjectOutcome;
  secondaryArtifacts?: string[];
  ignoreFailure?: boolean;
}

export interface StartBuildCall {
  /** The request body as it reached the server. */
  body: Record<string, unknown>;
  /** Set when the server refused it. */
  refused?: { type: string; message: string };
}

class Refusal extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

function invalid(message: string): never {
  throw new Refusal('InvalidInputException', `Invalid input: ${message}`);
}

function oneOf(value: unknown, allowed: readonly string[], field: string): void {
  if (typeof value !== 'string' || !allowed.includes(value)) invalid(`${field} must be one of ${allowed.join(', ')}, not ${JSON.stringify(value)}`);
}

function list(value: unknown, field: string, max?: number): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) invalid(`${field} must be a list`);
  if (max !== undefined && value.length > max) invalid(`${field} holds ${value.length} entries; at most ${max}`);
  return value;
}

function identifiers(entries: unknown[], key: string, field: string): void {
  const seen = new Set<string>();
  for (const entry of entries) {
    const identifier = isObject(entry) ? entry[key] : undefined;
    if (typeof identifier !== 'string' || !IDENTIFIER.test(identifier)) {
      invalid(
        `${field} ${key} ${JSON.stringify(identifier)}: identifier must contain only alphanumeric characters and underscores and be less than 128 characters in length`,
      );
    }
    if (seen.has(identifier)) invalid(`${field} ${key} ${identifier} is used twice`);
    seen.add(identifier);
  }
}

function artifacts(value: unknown, field: string): void {
  if (!isObject(value)) invalid(`${field} must be an object`);
  oneOf(value.type, ARTIFACT_TYPES, `${field}.type`);
  if (value.type === 'S3' && (typeof value.location !== 'string' || value.location === '')) invalid(`${field}.location is required for type S3`);
}

/** StartBuild's input rules, and StartBuildBatch's, which takes the same overrides. */
function checkStartBuild(body: Json, projects: ReadonlySet<string>, region: string, operation: 'StartBuild' | 'StartBuildBatch' = 'StartBuild'): void {
  const members: readonly string[] = operation === 'StartBuild' ? START_BUILD_MEMBERS : START_BUILD_BATCH_MEMBERS;
  for (const key of Object.keys(body)) {
    if (!members.includes(key)) throw new Refusal('SerializationException', `Unknown field ${key} in ${operation}Input`);
  }
  const project = body.projectName;
  if (typeof project !== 'string' || project.length < 1) invalid('projectName is required');
  if (body.sourceTypeOverride !== undefined) oneOf(body.sourceTypeOverride, SOURCE_TYPES, 'sourceTypeOverride');
  if (body.sourceTypeOverride === 'S3' && (typeof body.sourceLocationOverride !== 'string' || !S3_PATH.test(body.sourceLocationOverride))) {
    invalid(`sourceLocationOverride ${JSON.stringify(body.sourceLocationOverride)} must be bucket/key for an S3 source`);
  }
  const sources = list(body.secondarySourcesOverride, 'secondarySourcesOverride', 12);
  for (const source of sources) {
    if (!isObject(source)) invalid('secondarySourcesOverride entries must be objects');
    oneOf(source.type, SOURCE_TYPES, 'secondarySourcesOverride.type');
    if (source.type === 'S3' && (typeof source.location !== 'string' || !S3_PATH.test(source.location)))
      invalid(`secondary source location ${JSON.stringify(source.location)} must be bucket/key`);
  }
  identifiers(sources, 'sourceIdentifier', 'secondarySourcesOverride');
  if (body.artifactsOverride !== undefined) artifacts(body.artifactsOverride, 'artifactsOverride');
  const secondaryArtifacts = list(body.secondaryArtifactsOverride, 'secondaryArtifactsOverride', 12);
  secondaryArtifacts.forEach((entry, index) => artifacts(entry, `secondaryArtifactsOverride[${index}]`));
  identifiers(secondaryArtifacts, 'artifactIdentifier', 'secondaryArtifactsOverride');
  for (const variable of list(body.environmentVariablesOverride, 'environmentVariablesOverride')) {
    if (!isObject(variable) || typeof variable.name !== 'string' || variable.name.length < 1 || typeof variable.value !== 'string') {
      invalid('environment variables need a non-empty name and a value');
    }
    if (variable.type !== undefined) oneOf(variable.type, VARIABLE_TYPES, 'environment variable type');
    if (variable.name.startsWith('CODEBUILD_')) invalid('No user environment variables can start with CODEBUILD_');
  }
  const range = (field: string, min: number, max: number) => {
    const value = body[field];
    if (value !== undefined && (!Number.isInteger(value) || (value as number) < min || (value as number) > max))
      invalid(`${field} must be a whole number from ${min} to ${max}, not ${JSON.stringify(value)}`);
  };
  range('timeoutInMinutesOverride', 5, 2160);
  range('buildTimeoutInMinutesOverride', 5, 2160);
  range('queuedTimeoutInMinutesOverride', 5, 480);
  if (body.buildspecOverride !== undefined && typeof body.buildspecOverride !== 'string') invalid('buildspecOverride must be a string');
  if (body.logsConfigOverride !== undefined) {
    const logs = body.logsConfigOverride;
    if (!isObject(logs)) invalid('logsConfigOverride must be an object');
    for (const [key, config] of Object.entries(logs)) {
      if (key !== 'cloudWatchLogs' && key !== 's3Logs') throw new Refusal('SerializationException', `Unknown field ${key} in LogsConfig`);
      if (!isObject(config)) invalid(`logsConfigOverride.${key} must be an object`);
      oneOf(config.status, LOG_STATUSES, `logsConfigOverride.${key}.status`);
    }
    const s3 = logs.s3Logs as Json | undefined;
    if (s3?.status === 'ENABLED' && (typeof s3.location !== 'string' || !S3_PATH.test(s3.location))) {
      invalid(`logsConfigOverride.s3Logs.location ${JSON.stringify(s3?.location)} must be bucket/prefix when S3 logs are enabled`);
    }
  }
  if (!projects.has(project))
    throw new Refusal('ResourceNotFoundException', `Project cannot be found: arn:aws:codebuild:${region}:000000000000:project/${project}`);
}

export interface CodeBuildServer {
  endpoint: string;
  region: string;
  /** Every StartBuild call, in order. */
  startBuilds: StartBuildCall[];
  /** Every StartBuildBatch call, in order. */
  startBuildBatches: StartBuildCall[];
  close(): Promise<void>;
}

/** Where a build writes an artifact that an override sends to S3: under its build id when the override's namespaceType is BUILD_ID. */
function artifactArn(override: unknown, uuid: string): string | undefined {
  if (!isObject(override) || override.type !== 'S3') return undefined;
  const parts = [override.path, override.namespaceType === 'BUILD_ID' ? uuid : undefined, override.name].filter((part) => typeof part === 'string' && part);
  return `arn:aws:s3:::${[override.location, ...parts].join('/')}`;
}

/**
 * Starts the server on a free loopback port, with the given projects: those of `projects` run one
 * build, those of `batches` a batch build of the given builds.
 */
export async function startCodeBuildServer(
  projects: ReadonlyMap<string, ProjectOutcome>,
  region = 'us-east-1',
  batches: ReadonlyMap<string, BatchBuildOutcome[]> = new Map(),
): Promise<CodeBuildServer> {
  const builds = new Map<string, Json>();
  const buildBatches = new Map<string, Json>();
  const startBuilds: StartBuildCall[] = [];
  const startBuildBatches: StartBuildCall[] = [];

  const checked = (calls: StartBuildCall[], body: Json, known: ReadonlySet<string>, operation: 'StartBuild' | 'StartBuildBatch') => {
    const call: StartBuildCall = { body };
    calls.push(call);
    try {
      checkStartBuild(body, known, region, operation);
    } catch (error) {
      if (error instanceof Refusal) call.refused = { type: error.type, message: error.message };
      throw error;
    }
  };

  const startBuild = (body: Json): Json => {
    checked(startBuilds, body, new Set(projects.keys()), 'StartBuild');
    const project = body.projectName as string;
    return { build: createBuild(project, projects.get(project)!, body) };
  };

  const createBuild = (project: string, outcome: ProjectOutcome, body: Json): Json => {
    const id = `${project}:${randomUUID()}`;
    const uuid = id.slice(project.length + 1);
    const s3 = (body.logsConfigOverride as Json | undefined)?.s3Logs as Json | undefined;
    const s3Location = s3?.status === 'ENABLED' ? String(s3.location).replace(/^arn:[^:]+:s3:::/, '') : undefined;
    const failed = outcome.status === 'FAILED' ? outcome : undefined;
    const phases = [
      'SUBMITTED',
      'PROVISIONING',
      'DOWNLOAD_SOURCE',
      'INSTALL',
      'PRE_BUILD',
      'BUILD',
      'POST_BUILD',
      'UPLOAD_ARTIFACTS',
      'FINALIZING',
      'COMPLETED',
    ].map((phaseType) => ({
      phaseType,
      ...(phaseType === 'COMPLETED' ? {} : { phaseStatus: failed?.phase === phaseType ? 'FAILED' : 'SUCCEEDED' }),
      ...(failed?.phase === phaseType ? { contexts: [{ statusCode: failed.statusCode, message: failed.message }] } : { contexts: [] }),
    }));
    const build: Json = {
      id,
      arn: `arn:aws:codebuild:${region}:000000000000:build/${id}`,
      buildNumber: builds.size + 1,
      buildStatus: outcome.status,
      buildComplete: true,
      projectName: project,
      phases,
      environment: {
        type: 'LINUX_CONTAINER',
        image: 'aws/codebuild/standard:7.0',
        computeType: 'BUILD_GENERAL1_SMALL',
        environmentVariables: body.environmentVariablesOverride ?? [],
      },
      logs: {
        groupName: `/aws/codebuild/${project}`,
        streamName: uuid,
        deepLink: `https://console.aws.amazon.com/cloudwatch/home?region=${region}#logsV2:log-groups/log-group/$252Faws$252Fcodebuild$252F${project}/log-events/${uuid}`,
        ...(s3Location
          ? { s3LogsArn: `arn:aws:s3:::${s3Location}/${uuid}.gz`, s3DeepLink: `https://s3.console.aws.amazon.com/s3/object/${s3Location}/${uuid}.gz` }
          : {}),
      },
      exportedEnvironmentVariables: Object.entries(outcome.status === 'SUCCEEDED' ? (outcome.exported ?? {}) : {}).map(([name, value]) => ({ name, value })),
    };
    builds.set(id, build);
    return build;
  };

  const startBuildBatch = (body: Json): Json => {
    checked(startBuildBatches, body, new Set(batches.keys()), 'StartBuildBatch');
    const project = body.projectName as string;
    const id = `${project}:${randomUUID()}`;
    const buildGroups = batches.get(project)!.map(({ identifier, outcome, secondaryArtifacts = [], ignoreFailure = false }) => {
      const build = createBuild(project, outcome, body);
      const uuid = String(build.id).slice(project.length + 1);
      const succeeded = outcome.status === 'SUCCEEDED';
      const primary = succeeded ? artifactArn(body.artifactsOverride, uuid) : undefined;
      const secondaries = list(body.secondaryArtifactsOverride, 'secondaryArtifactsOverride').filter(
        (override) => succeeded && isObject(override) && secondaryArtifacts.includes(String(override.artifactIdentifier)),
      );
      return {
        identifier,
        dependsOn: [],
        ignoreFailure,
        currentBuildSummary: {
          arn: build.arn,
          buildStatus: outcome.status,
          ...(primary ? { primaryArtifact: { type: 'S3', location: primary } } : {}),
          secondaryArtifacts: secondaries.map((override) => ({
            type: 'S3',
            location: artifactArn(override, uuid),
            identifier: (override as Json).artifactIdentifier,
          })),
        },
      };
    });
    const failed = buildGroups.some((group) => !group.ignoreFailure && group.currentBuildSummary.buildStatus !== 'SUCCEEDED');
    const buildBatch: Json = {
      id,
      arn: `arn:aws:codebuild:${region}:000000000000:build-batch/${id}`,
      buildBatchStatus: failed ? 'FAILED' : 'SUCCEEDED',
      projectName: project,
      complete: true,
      phases: ['SUBMITTED', 'DOWNLOAD_BATCHSPEC', 'IN_PROGRESS', failed ? 'FAILED' : 'SUCCEEDED'].map((phaseType) => ({
        phaseType,
        ...(phaseType === 'IN_PROGRESS'
          ? { phaseStatus: failed ? 'FAILED' : 'SUCCEEDED' }
          : ['SUCCEEDED', 'FAILED'].includes(phaseType)
            ? {}
            : { phaseStatus: 'SUCCEEDED' }),
      })),
      buildGroups,
    };
    buildBatches.set(id, buildBatch);
    return { buildBatch };
  };

  const batchGetBuildBatches = (body: Json): Json => {
    const ids = list(body.ids, 'ids', 100);
    return { buildBatches: ids.flatMap((id) => buildBatches.get(String(id)) ?? []), buildBatchesNotFound: ids.filter((id) => !buildBatches.has(String(id))) };
  };

  const batchGetBuilds = (body: Json): Json => {
    const ids = body.ids;
    if (!Array.isArray(ids) || ids.length < 1 || ids.length > 100 || !ids.every((id) => typeof id === 'string' && id.length > 0))
      invalid('ids must hold 1 to 100 build ids');
    return { builds: ids.flatMap((id) => builds.get(id) ?? []), buildsNotFound: ids.filter((id) => !builds.has(id)) };
  };

  const operations: Record<string, (body: Json) => Json> = {
    StartBuild: startBuild,
    BatchGetBuilds: batchGetBuilds,
    StartBuildBatch: startBuildBatch,
    BatchGetBuildBatches: batchGetBuildBatches,
  };

  const handle = async (request: IncomingMessage): Promise<{ status: number; body: Json }> => {
    const target = String(request.headers['x-amz-target'] ?? '');
    const [service, operation] = target.split('.');
    if (request.method !== 'POST' || service !== 'CodeBuild_20161006' || !operation || !operations[operation]) {
      throw new Refusal('UnknownOperationException', `Unknown operation ${target}`);
    }
    if (!String(request.headers['content-type'] ?? '').startsWith('application/x-amz-json-1.1'))
      throw new Refusal('SerializationException', 'Expected application/x-amz-json-1.1');
    const body: unknown = JSON.parse((await text(request)) || '{}');
    if (!isObject(body)) throw new Refusal('SerializationException', 'The body must be a JSON object');
    return { status: 200, body: operations[operation](body) };
  };

  const server: Server = createServer((request, response) => {
    handle(request).then(
      ({ status, body }) => response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(body)),
      (error: unknown) => {
        const refusal = error instanceof Refusal ? error : new Refusal('InternalFailure', String(error), 500);
        response
          .writeHead(refusal.status, { 'content-type': 'application/x-amz-json-1.1' })
          .end(JSON.stringify({ __type: refusal.type, message: refusal.message }));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    region,
    startBuilds,
    startBuildBatches,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
