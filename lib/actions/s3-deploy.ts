import path from 'node:path';
import { lookup } from 'mime-types';
import { BadInputError } from '../core/errors';
import type { PutOptions } from '../ports/blob-store';
import type { ActionOutcome, ActionProvider } from './action-provider';
import { cannedAclProblem, isCannedAcl, s3DeploySpec } from './s3-deploy-spec';

/**
 * Objects go up this many at a time, as the AWS CLI's `s3 sync` and `s3 cp --recursive` send theirs (10 at once): a
 * site of many small files is otherwise a long line of round trips.
 */
const CONCURRENT_UPLOADS = 10;

export const s3Deploy: ActionProvider = {
  spec: s3DeploySpec,

  async run(context): Promise<ActionOutcome> {
    const configuration = context.action.configuration ?? {};
    const bucketName = configuration.BucketName!;
    const extract = configuration.Extract?.toLowerCase();
    if (extract !== 'true' && extract !== 'false') throw new BadInputError(`Extract must be true or false, not "${configuration.Extract}".`);
    const { CacheControl: cacheControl, CannedACL: acl, KMSEncryptionKeyARN: kmsKeyId } = configuration;
    const aclProblem = cannedAclProblem(acl);
    if (aclProblem) throw new BadInputError(aclProblem.message);
    const options = (key: string): PutOptions => ({
      contentType: lookup(key) || 'application/octet-stream',
      ...(cacheControl ? { cacheControl } : {}),
      ...(acl && isCannedAcl(acl) ? { acl } : {}),
      ...(kmsKeyId ? { kmsKeyId } : {}),
    });
    const input = context.inputArtifacts[0]!;
    await context.blobs.ensureBucket(bucketName);

    if (extract === 'false') {
      const objectKey = configuration.ObjectKey;
      if (!objectKey) throw new BadInputError('ObjectKey is required when Extract is false: it names the object the artifact is copied to.');
      const { body } = await context.blobs.get(input.location);
      await context.blobs.put({ bucketName, objectKey }, body, options(objectKey));
      context.log(`Copied ${input.name} to s3://${bucketName}/${objectKey}\n`);
      return { outputArtifacts: [], outputVariables: {}, summary: `Deployed to s3://${bucketName}/${objectKey}` };
    }

    const prefix = configuration.ObjectKey ? `${configuration.ObjectKey.replace(/\/+$/, '')}/` : '';
    // The files go up straight from the zip, as CodePipeline unpacks on its side: writing them to disk first only to read them back
    // costs a file's creation and removal each.
    const uploaded = await context.artifacts.readArtifactFiles(input.location, path.join(context.workspace, 'artifact'), async (files) => {
      let next = 0;
      const uploadRest = async () => {
        for (let file = files[next++]; file !== undefined; file = files[next++]) {
          const objectKey = prefix + file.name;
          // With its length known, a file goes up in one PutObject rather than through a multipart upload's start.
          const body = await file.read();
          try {
            await context.blobs.put({ bucketName, objectKey }, body, { ...options(objectKey), contentLength: file.size });
          } catch (error) {
            // A failed upload may leave a large file's stream unread; release it.
            if (!Buffer.isBuffer(body)) body.destroy();
            throw error;
          }
          context.log(`Uploaded s3://${bucketName}/${objectKey}\n`);
        }
      };
      await Promise.all(Array.from({ length: Math.min(CONCURRENT_UPLOADS, files.length) }, uploadRest));
      return files.length;
    });
    return { outputArtifacts: [], outputVariables: {}, summary: `Deployed ${uploaded} files to s3://${bucketName}/${prefix}` };
  },
};
