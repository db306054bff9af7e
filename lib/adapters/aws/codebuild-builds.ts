import { BatchGetBuildsCommand, type Build, type CodeBuildClient } from '@aws-sdk/client-codebuild';
import type { S3Location } from '../../ports/blob-store';
import type { BuildRecord, CodeBuildBuilds } from '../../ports/codebuild-builds';
import { withAccessExplained, type AccessDeniedOptions } from './access-denied';

/** `arn:<partition>:s3:::<bucket>/<key>`, as CodeBuild gives s3LogsArn. */
export function s3LocationOfArn(arn: string | undefined): S3Location | undefined {
  const match = arn?.match(/^arn:[^:]+:s3:::([^/]+)\/(.+)$/);
  return match ? { bucketName: match[1]!, objectKey: match[2]! } : undefined;
}

/** The parts of a Build that Sluice records. */
export function buildRecordOf(build: Build & { id: string }): BuildRecord {
  const failed = build.phases?.find((phase) => phase.phaseStatus !== undefined && phase.phaseStatus !== 'SUCCEEDED');
  const context = failed?.contexts?.find((entry) => entry.message);
  const message = context ? [context.statusCode, context.message].filter(Boolean).join(': ') : undefined;
  const s3Log = s3LocationOfArn(build.logs?.s3LogsArn);
  return {
    id: build.id,
    status: build.buildStatus ?? 'IN_PROGRESS',
    exportedVariables: Object.fromEntries((build.exportedEnvironmentVariables ?? []).map(({ name, value }) => [name ?? '', value ?? ''])),
    ...(build.logs?.deepLink ? { deepLink: build.logs.deepLink } : {}),
    ...(s3Log ? { s3Log } : {}),
    ...(failed?.phaseType ? { failedPhase: { phase: failed.phaseType, status: failed.phaseStatus, ...(message ? { message } : {}) } } : {}),
  };
}

/** CodeBuild's builds, read with BatchGetBuilds. */
export class AwsCodeBuildBuilds implements CodeBuildBuilds {
  constructor(
    private readonly client: CodeBuildClient,
    private readonly access: AccessDeniedOptions = {},
  ) {}

  async getBuild(id: string): Promise<BuildRecord | undefined> {
    // Builds are authorized on their project: `<project>:<uuid>` names it.
    const resource = `project/${id.slice(0, id.lastIndexOf(':'))}`;
    const { builds } = await withAccessExplained({ action: 'codebuild:BatchGetBuilds', resource, role: this.access.roleName }, () =>
      this.client.send(new BatchGetBuildsCommand({ ids: [id] })),
    );
    const build = builds?.find((entry) => entry.id === id);
    return build ? buildRecordOf({ ...build, id }) : undefined;
  }
}
