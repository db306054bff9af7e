import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { lookup } from 'mime-types';
import { BadInputError } from '../core/errors';
import { objectKeyProblem } from '../core/object-keys';
import type { ConfigurationProblem, ProviderSpec } from '../core/providers';
import { OBJECT_CANNED_ACLS, type ObjectCannedAcl, type PutOptions } from '../ports/blob-store';
import type { ActionOutcome, ActionProvider } from './action-provider';
import { artifactCounts } from './action-provider';

/**
 * Objects go up this many at a time, as the AWS CLI's `s3 sync` and `s3 cp --recursive` send theirs (10 at once): a
 * site of many small files is otherwise a long line of round trips.
 */
const CONCURRENT_UPLOADS = 10;

async function filesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(directory, path.join(entry.parentPath, entry.name)))
    .sort();
}

function isCannedAcl(value: string): value is ObjectCannedAcl {
  return (OBJECT_CANNED_ACLS as readonly string[]).includes(value);
}

function cannedAclProblem(cannedAcl: string | undefined): ConfigurationProblem | undefined {
  if (cannedAcl === undefined || cannedAcl.includes('#{') || isCannedAcl(cannedAcl)) return undefined;
  return { key: 'CannedACL', message: `CannedACL must be one of S3's canned ACLs for objects, ${OBJECT_CANNED_ACLS.join(', ')}; not "${cannedAcl}".` };
}

/** The embedded S3 keeps neither ACLs nor encryption settings: its objects are files of this machine's user. */
const EMBEDDED_S3_KEEPS_NO = 'the embedded S3 that local deploys write to';

export const s3DeploySpec: ProviderSpec = {
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
  cost: { pricedAs: 'runner', runnerMs: 5000 },
  // Locally it writes to the embedded S3.
  runsWithoutAwsOn: ['local'],
  keysNotHonoured: {
    local: {
      KMSEncryptionKeyARN: `${EMBEDDED_S3_KEEPS_NO} encrypts nothing with KMS and keeps no encryption setting; objects are files readable only by this machine's user.`,
      CannedACL: `${EMBEDDED_S3_KEEPS_NO} keeps no ACLs; objects are reachable only through Sluice on this machine.`,
    },
  },
  checkConfiguration: ({ Extract: extract, ObjectKey: objectKey, CannedACL: cannedAcl }) => {
    const aclProblem = cannedAclProblem(cannedAcl);
    if (aclProblem) return [aclProblem];
    const keyProblem = objectKey === undefined || objectKey.includes('#{') ? undefined : objectKeyProblem(objectKey);
    if (keyProblem) return [{ key: 'ObjectKey', message: `ObjectKey: the ${keyProblem}.` }];
    if (extract === undefined || extract.includes('#{')) return [];
    if (!['true', 'false'].includes(extract.toLowerCase())) return [{ key: 'Extract', message: `Extract must be true or false, not "${extract}".` }];
    return extract.toLowerCase() === 'false' && !objectKey
      ? [{ key: 'ObjectKey', message: 'ObjectKey is required when Extract is false: it names the object the artifact is copied to.' }]
      : [];
  },
};

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
        await context.blobs.put({ bucketName, objectKey }, createReadStream(path.join(extracted, file)), options(objectKey));
        context.log(`Uploaded s3://${bucketName}/${objectKey}\n`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENT_UPLOADS, files.length) }, uploadRest));
    return { outputArtifacts: [], outputVariables: {}, summary: `Deployed ${files.length} files to s3://${bucketName}/${prefix}` };
  },
};
