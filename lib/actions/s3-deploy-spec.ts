import { objectKeyProblem } from '../core/object-keys';
import type { ConfigurationProblem, ProviderSpec } from '../core/providers';
import { OBJECT_CANNED_ACLS, type ObjectCannedAcl } from '../ports/blob-store';
import { artifactCounts } from './action-provider';

/*
 * The S3 deploy provider's spec, apart from its run code (s3-deploy.ts): validation and compilation
 * read it in every function, and the run code's mime-types, which a bundle that imports it keeps
 * whole, weighs nearly as much as an SDK client.
 */

export function isCannedAcl(value: string): value is ObjectCannedAcl {
  return (OBJECT_CANNED_ACLS as readonly string[]).includes(value);
}

export function cannedAclProblem(cannedAcl: string | undefined): ConfigurationProblem | undefined {
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
