import { createReadStream, readFileSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
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

/** Files up to this size are read whole before they go up; larger ones are streamed. */
const WHOLE_READ_BYTES = 1024 * 1024;

async function filesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(directory, path.join(entry.parentPath, entry.name)))
    .sort();
}

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

    const extracted = path.join(context.workspace, 'artifact');
    await context.artifacts.fetchArtifact(input.location, extracted);
    const prefix = configuration.ObjectKey ? `${configuration.ObjectKey.replace(/\/+$/, '')}/` : '';
    const files = await filesUnder(extracted);
    let next = 0;
    const uploadRest = async () => {
      for (let file = files[next++]; file !== undefined; file = files[next++]) {
        const objectKey = prefix + file.split(path.sep).join('/');
        const local = path.join(extracted, file);
        // With its length known, a file goes up in one PutObject rather than through a multipart upload's start.
        // A small one is read with one synchronous call, which costs less than a stream's round trips to the thread pool.
        const { size } = statSync(local);
        const body = size <= WHOLE_READ_BYTES ? readFileSync(local) : createReadStream(local);
        await context.blobs.put({ bucketName, objectKey }, body, { ...options(objectKey), contentLength: size });
        context.log(`Uploaded s3://${bucketName}/${objectKey}\n`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENT_UPLOADS, files.length) }, uploadRest));
    return { outputArtifacts: [], outputVariables: {}, summary: `Deployed ${files.length} files to s3://${bucketName}/${prefix}` };
  },
};
