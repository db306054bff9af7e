import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { BlobLink, BlobLinks, S3Location } from '../../ports/blob-store';

/**
 * BlobLinks as S3's presigned GetObject URLs, signed with the client's credentials: whoever follows
 * one reads the object as those credentials may, with no more than the URL.
 *
 * @example
 * const links = new S3BlobLinks(new S3Client({}));
 * const { url } = await links.downloadLink({ bucketName: 'artifacts', objectKey: 'app/Source/abc.zip' }, { filename: 'Source.zip', expiresInSeconds: 300 });
 */
export class S3BlobLinks implements BlobLinks {
  constructor(
    private readonly s3: S3Client,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async downloadLink(location: S3Location, options: { filename: string; expiresInSeconds: number }): Promise<BlobLink> {
    const signingDate = this.clock();
    const command = new GetObjectCommand({
      Bucket: location.bucketName,
      Key: location.objectKey,
      // S3 answers with this header, so the browser saves the object rather than showing it.
      ResponseContentDisposition: `attachment; filename="${options.filename}"`,
    });
    const url = await getSignedUrl(this.s3, command, { expiresIn: options.expiresInSeconds, signingDate });
    return { url, expiresAt: new Date(signingDate.getTime() + options.expiresInSeconds * 1000) };
  }
}
