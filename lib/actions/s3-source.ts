import { NotFoundError } from '../core/errors';
import { objectKeyProblem } from '../core/object-keys';
import { pollForSourceChangesProblems } from '../core/source-change';
import { BlobNotFoundError } from '../ports/blob-store';
import type { ActionOutcome, ActionProvider, LatestRevision } from './action-provider';
import { artifactCounts } from './action-provider';
import type { ProviderSpec } from '../core/providers';

/** S3 sends an ETag quoted, as HTTP does; CodePipeline's ETag variable holds the bare value. */
const unquoted = (eTag: string) => eTag.replace(/^"(.*)"$/, '$1');

export const s3SourceSpec: ProviderSpec = {
  category: 'Source',
  owner: 'AWS',
  provider: 'S3',
  version: '1',
  description: 'A zip object in an S3 bucket.',
  configuration: [
    { name: 'S3Bucket', required: true, description: 'The bucket that holds the source object.' },
    { name: 'S3ObjectKey', required: true, description: 'The key of the zip object.' },
    {
      name: 'PollForSourceChanges',
      required: false,
      description:
        'true: Sluice polls the object (every minute on AWS, every --poll-interval seconds under sluice serve); false, the default here: an event rule starts the pipeline.',
    },
    { name: 'AllowOverrideForS3ObjectKey', required: false, description: 'true to let StartPipelineExecution override the key.' },
  ],
  inputArtifacts: artifactCounts.none,
  outputArtifacts: artifactCounts.one,
  outputVariables: ['ETag', 'VersionId'],
  runtimes: ['aws', 'local'],
  cost: { pricedAs: 'runner', runnerMs: 3000 },
  // Locally it reads the embedded S3.
  runsWithoutAwsOn: ['local'],
  pinnableRevisions: ['S3_OBJECT_VERSION_ID', 'S3_OBJECT_KEY'],
  // A new object at the action's key.
  sourceChanges: {
    kind: 'S3',
    mismatch: ({ S3Bucket, S3ObjectKey }, change, action) =>
      S3Bucket === change.bucket && S3ObjectKey === change.key
        ? undefined
        : `source action ${action.name} reads s3://${S3Bucket}/${S3ObjectKey}, not s3://${change.bucket}/${change.key}`,
    // Without a version (an unversioned bucket), the execution reads the object at the key as it is then.
    revision: (change) =>
      change.versionId
        ? { revisionType: 'S3_OBJECT_VERSION_ID', revisionValue: change.versionId }
        : { revisionType: 'S3_OBJECT_KEY', revisionValue: change.key },
  },
  refuseRevisionOverride: (configuration, revisionType) =>
    revisionType === 'S3_OBJECT_KEY' && configuration.AllowOverrideForS3ObjectKey !== 'true'
      ? 'its configuration does not set AllowOverrideForS3ObjectKey to true'
      : undefined,
  checkConfiguration: (configuration) => {
    const objectKey = configuration.S3ObjectKey;
    const keyProblem = objectKey === undefined || objectKey.includes('#{') ? undefined : objectKeyProblem(objectKey);
    return [...(keyProblem ? [{ key: 'S3ObjectKey', message: `S3ObjectKey: the ${keyProblem}.` }] : []), ...pollForSourceChangesProblems(configuration)];
  },
};

export const s3Source: ActionProvider = {
  spec: s3SourceSpec,

  async latestRevision({ action, blobs }): Promise<LatestRevision | undefined> {
    const { S3Bucket: bucketName, S3ObjectKey: objectKey } = action.configuration as Record<string, string>;
    const url = `s3://${bucketName}/${objectKey}`;
    const head = await blobs.head({ bucketName: bucketName!, objectKey: objectKey! }).catch((error: unknown) => {
      if (error instanceof BlobNotFoundError) return undefined;
      throw error;
    });
    if (!head) return undefined;
    // Without versions (an unversioned bucket), a new object shows in its ETag, and the execution reads the key.
    return head.versionId
      ? {
          revision: { revisionType: 'S3_OBJECT_VERSION_ID', revisionValue: head.versionId },
          marker: head.versionId,
          description: `${url} version ${head.versionId}`,
        }
      : {
          revision: { revisionType: 'S3_OBJECT_KEY', revisionValue: objectKey! },
          marker: head.eTag ?? '',
          description: `${url} with ETag ${unquoted(head.eTag ?? '')}`,
        };
  },

  async run(context): Promise<ActionOutcome> {
    const configuration = context.action.configuration ?? {};
    // A key pin reads that object of the bucket as it is now: an unversioned bucket's change names the
    // configured key; StartPipelineExecution's override may name another.
    const pinnedKey = context.sourceRevisionType === 'S3_OBJECT_KEY' ? context.sourceRevision : undefined;
    const source = { bucketName: configuration.S3Bucket!, objectKey: pinnedKey ?? configuration.S3ObjectKey! };
    const sourceUrl = `s3://${source.bucketName}/${source.objectKey}`;
    const artifactName = context.action.outputArtifacts![0]!.name;
    const pinnedVersion = context.sourceRevisionType === 'S3_OBJECT_VERSION_ID' ? context.sourceRevision : undefined;
    const copy = await context.artifacts
      .copyObjectAsArtifact(
        source,
        { bucketName: context.artifactBucket, kmsKeyId: context.artifactKmsKeyId, pipelineName: context.pipelineName, artifactName },
        { versionId: pinnedVersion },
      )
      .catch((error: unknown) => {
        if (!(error instanceof BlobNotFoundError)) throw error;
        if (pinnedVersion) {
          throw new NotFoundError(
            `Version ${pinnedVersion} of ${sourceUrl}, which the execution pins, does not exist; it may have been deleted. Start the pipeline again to read the latest version.`,
            { cause: error },
          );
        }
        throw new NotFoundError(
          `The source object ${sourceUrl} of action ${context.action.name} does not exist. Upload the source as a zip to that key, or correct S3Bucket and S3ObjectKey.`,
          { cause: error },
        );
      });
    const { eTag, versionId } = copy.copied;
    context.log(
      `Copied ${sourceUrl}${versionId ? ` (version ${versionId}${pinnedVersion ? ', the version the execution pins' : ''})` : ''} to ${artifactName}\n`,
    );
    return {
      outputArtifacts: [copy.location],
      outputVariables: {
        ...(eTag ? { ETag: unquoted(eTag) } : {}),
        ...(versionId ? { VersionId: versionId } : {}),
      },
      summary: sourceUrl,
      ...(versionId ? { externalExecutionId: versionId } : {}),
    };
  },
};
