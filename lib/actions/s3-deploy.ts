import type { ActionProvider } from './action-provider';
import { artifactCounts } from './action-provider';

export const s3Deploy: ActionProvider = {
  spec: {
    category: 'Deploy',
    owner: 'AWS',
    provider: 'S3',
    version: '1',
    description: 'Copies the input artifact into a bucket, as one object or extracted.',
    configuration: [
      { name: 'BucketName', required: true, description: 'The bucket to deploy into.' },
      { name: 'Extract', required: true, description: 'true to extract the artifact; false to store it as one object.' },
      { name: 'ObjectKey', required: false, description: 'The key (or key prefix when extracting).' },
      { name: 'KMSEncryptionKeyARN', required: false, description: 'The KMS key for the deployed objects.' },
      { name: 'CannedACL', required: false, description: 'A canned ACL for the deployed objects.' },
      { name: 'CacheControl', required: false, description: 'The Cache-Control header of the deployed objects.' },
    ],
    inputArtifacts: artifactCounts.one,
    outputArtifacts: artifactCounts.none,
    outputVariables: [],
    runtimes: ['aws', 'local'],
  },
};
