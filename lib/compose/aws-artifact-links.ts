import { S3BlobLinks } from '../adapters/aws/s3-blob-links';
import type { ArtifactLinkDependencies } from '../api/artifact-downloads';
import { awsDependencies } from './aws';
import { functionS3 } from './aws-function-clients';

/**
 * The artifacts' zips as the http function hands them out: presigned GetObject URLs, signed as its
 * role, which serverless.yml lets read the artifact bucket and the pipelines' own artifact stores.
 * Apart from aws-console.ts, so that serving the console's page loads no SDK client.
 */
export function awsArtifactLinks(): ArtifactLinkDependencies {
  return { blobs: awsDependencies().blobs, links: new S3BlobLinks(functionS3()) };
}
