import {
  BatchGetBuildBatchesCommand,
  BatchGetBuildsCommand,
  type Build,
  type BuildBatch,
  type BuildBatchPhase,
  type BuildPhase,
  type CodeBuildClient,
  type ResolvedArtifact,
} from '@aws-sdk/client-codebuild';
import type { S3Location } from '../../ports/blob-store';
import type { BatchBuildRecord, BuildBatchRecord, BuildRecord, CodeBuildBuilds } from '../../ports/codebuild-builds';
import { withAccessExplained, type AccessDeniedOptions } from './access-denied';

/** `arn:<partition>:s3:::<bucket>/<key>`, as CodeBuild gives s3LogsArn. */
export function s3LocationOfArn(arn: string | undefined): S3Location | undefined {
  const match = arn?.match(/^arn:[^:]+:s3:::([^/]+)\/(.+)$/);
  return match ? { bucketName: match[1]!, objectKey: match[2]! } : undefined;
}

/** The first phase that did not succeed, with its context's message; a batch's phases have the same shape as a build's. */
function failedPhaseOf(phases: readonly (BuildPhase | BuildBatchPhase)[] | undefined): BuildRecord['failedPhase'] {
  const failed = phases?.find((phase) => phase.phaseStatus !== undefined && phase.phaseStatus !== 'SUCCEEDED');
  if (!failed?.phaseType) return undefined;
  const context = failed.contexts?.find((entry) => entry.message);
  const message = context ? [context.statusCode, context.message].filter(Boolean).join(': ') : undefined;
  return { phase: failed.phaseType, status: failed.phaseStatus, ...(message ? { message } : {}) };
}

/** The parts of a Build that Sluice records. */
export function buildRecordOf(build: Build & { id: string }): BuildRecord {
  const failedPhase = failedPhaseOf(build.phases);
  const s3Log = s3LocationOfArn(build.logs?.s3LogsArn);
  return {
    id: build.id,
    status: build.buildStatus ?? 'IN_PROGRESS',
    exportedVariables: Object.fromEntries((build.exportedEnvironmentVariables ?? []).map(({ name, value }) => [name ?? '', value ?? ''])),
    ...(build.logs?.deepLink ? { deepLink: build.logs.deepLink } : {}),
    ...(s3Log ? { s3Log } : {}),
    ...(failedPhase ? { failedPhase } : {}),
  };
}

/** A resolved artifact's location: an S3 ARN, or `bucket/key`. */
function artifactLocationOf(artifact: ResolvedArtifact | undefined): S3Location | undefined {
  const location = artifact?.location;
  if (!location) return undefined;
  const slash = location.indexOf('/');
  return s3LocationOfArn(location) ?? (slash > 0 ? { bucketName: location.slice(0, slash), objectKey: location.slice(slash + 1) } : undefined);
}

/** The batch in CodeBuild's console, from its ARN `arn:aws:codebuild:<region>:<account>:build-batch/<project>:<uuid>`. */
function batchConsoleLink(arn: string | undefined): string | undefined {
  const match = arn?.match(/^arn:aws:codebuild:([^:]+):(\d+):build-batch\/(([^:]+):.+)$/);
  if (!match) return undefined;
  const [, region, account, id, project] = match;
  return `https://${region}.console.aws.amazon.com/codesuite/codebuild/${account}/projects/${project}/batch/${encodeURIComponent(id!)}?region=${region}`;
}

/** The parts of a BuildBatch that Sluice records: each build group's current build, its status and artifacts. */
export function buildBatchRecordOf(batch: BuildBatch & { id: string }): BuildBatchRecord {
  const builds = (batch.buildGroups ?? []).flatMap((group): BatchBuildRecord[] => {
    const summary = group.currentBuildSummary;
    if (!group.identifier) return [];
    const primaryArtifact = artifactLocationOf(summary?.primaryArtifact);
    const buildId = summary?.arn?.match(/:build\/(.+)$/)?.[1];
    return [
      {
        identifier: group.identifier,
        ...(buildId ? { buildId } : {}),
        status: summary?.buildStatus ?? 'IN_PROGRESS',
        ignoreFailure: group.ignoreFailure === true,
        ...(primaryArtifact ? { primaryArtifact } : {}),
        secondaryArtifacts: (summary?.secondaryArtifacts ?? []).flatMap((artifact) => {
          const location = artifactLocationOf(artifact);
          return artifact.identifier && location ? [{ identifier: artifact.identifier, location }] : [];
        }),
      },
    ];
  });
  const consoleLink = batchConsoleLink(batch.arn);
  const failedPhase = failedPhaseOf(batch.phases);
  return {
    id: batch.id,
    status: batch.buildBatchStatus ?? 'IN_PROGRESS',
    builds,
    ...(consoleLink ? { consoleLink } : {}),
    ...(failedPhase ? { failedPhase } : {}),
  };
}

/** CodeBuild's builds and batch builds, read with BatchGetBuilds and BatchGetBuildBatches. */
export class AwsCodeBuildBuilds implements CodeBuildBuilds {
  constructor(
    private readonly client: CodeBuildClient,
    private readonly access: AccessDeniedOptions = {},
  ) {}

  async getBuild(id: string): Promise<BuildRecord | undefined> {
    const { builds } = await this.read('codebuild:BatchGetBuilds', id, () => this.client.send(new BatchGetBuildsCommand({ ids: [id] })));
    const build = builds?.find((entry) => entry.id === id);
    return build ? buildRecordOf({ ...build, id }) : undefined;
  }

  async getBuildBatch(id: string): Promise<BuildBatchRecord | undefined> {
    const { buildBatches } = await this.read('codebuild:BatchGetBuildBatches', id, () => this.client.send(new BatchGetBuildBatchesCommand({ ids: [id] })));
    const batch = buildBatches?.find((entry) => entry.id === id);
    return batch ? buildBatchRecordOf({ ...batch, id }) : undefined;
  }

  /** Builds and batches are authorized on their project: their id, `<project>:<uuid>`, names it. */
  private read<T>(action: string, id: string, call: () => Promise<T>): Promise<T> {
    const resource = `project/${id.slice(0, id.lastIndexOf(':'))}`;
    return withAccessExplained({ action, resource, role: this.access.roleName }, call);
  }
}
