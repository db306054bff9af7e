import type { ActionProvider } from './action-provider';
import { artifactCounts } from './action-provider';

export const s3Source: ActionProvider = {
  spec: {
    category: 'Source',
    owner: 'AWS',
    provider: 'S3',
    version: '1',
    description: 'A zip object in an S3 bucket.',
    configuration: [
      { name: 'S3Bucket', required: true, description: 'The bucket that holds the source object.' },
      { name: 'S3ObjectKey', required: true, description: 'The key of the zip object.' },
      { name: 'PollForSourceChanges', required: false, description: 'true to poll the bucket; false when an event rule starts the pipeline.' },
      { name: 'AllowOverrideForS3ObjectKey', required: false, description: 'true to let StartPipelineExecution override the key.' },
    ],
    inputArtifacts: artifactCounts.none,
    outputArtifacts: artifactCounts.one,
    outputVariables: ['ETag', 'VersionId'],
    runtimes: ['aws', 'local'],
  },
};
