import { providerCatalog } from '../../../lib/actions/registry';
import type { Runtime } from '../../../lib/core/providers';
import { validatePipeline, type Problem } from '../../../lib/core/validate';

/**
 * What a runtime would not honour is refused at validation, at its path, rather than accepted
 * and ignored: each case is a pipeline that is valid but for the one field it adds.
 */

type Action = Record<string, unknown>;
type Declaration = Record<string, unknown> & { stages: { name: string; actions: Action[] }[] };

const s3Source: Action = {
  name: 'Source',
  actionTypeId: { category: 'Source', owner: 'AWS', provider: 'S3', version: '1' },
  configuration: { S3Bucket: 'sources', S3ObjectKey: 'site.zip' },
  outputArtifacts: [{ name: 'Site' }],
};

const s3Deploy = (configuration: Record<string, string> = {}): Action => ({
  name: 'Publish',
  actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'S3', version: '1' },
  configuration: { BucketName: 'site', Extract: 'true', ...configuration },
  inputArtifacts: [{ name: 'Site' }],
});

function pipeline(deploy: Action = s3Deploy(), extra: Record<string, unknown> = {}): Declaration {
  return {
    name: 'webapp',
    stages: [
      { name: 'Source', actions: [s3Source] },
      { name: 'Deploy', actions: [deploy] },
    ],
    ...extra,
  };
}

function problemsOf(declaration: unknown, runtime?: Runtime): Problem[] {
  const validation = validatePipeline(declaration, providerCatalog, runtime ? { runtime } : {});
  return validation.problems;
}

describe('the S3 deploy configuration', () => {
  it.each(['aws', 'local'] as const)('accepts CacheControl on the %s runtime, which both put on every object', (runtime) => {
    expect(problemsOf(pipeline(s3Deploy({ CacheControl: 'public, max-age=60' })), runtime)).toEqual([]);
  });

  it('accepts every canned ACL S3 gives objects, and a KMS key, on the AWS runtime', () => {
    for (const acl of [
      'private',
      'public-read',
      'public-read-write',
      'authenticated-read',
      'aws-exec-read',
      'bucket-owner-read',
      'bucket-owner-full-control',
    ]) {
      expect(problemsOf(pipeline(s3Deploy({ CannedACL: acl, KMSEncryptionKeyARN: 'arn:aws:kms:us-east-1:123456789012:key/abc' })), 'aws')).toEqual([]);
    }
  });

  it.each([undefined, 'aws', 'local'] as const)('refuses a canned ACL S3 does not have for an object (runtime %s)', (runtime) => {
    expect(problemsOf(pipeline(s3Deploy({ CannedACL: 'log-delivery-write' })), runtime)).toContainEqual({
      path: 'stages[1].actions[0].configuration.CannedACL',
      rule: 'configuration-value',
      message: expect.stringContaining('not "log-delivery-write"'),
    });
  });

  it.each([
    ['CannedACL', 'public-read', 'keeps no ACLs'],
    ['KMSEncryptionKeyARN', 'arn:aws:kms:us-east-1:123456789012:key/abc', 'encrypts nothing with KMS'],
  ])('refuses %s on the local runtime, whose embedded S3 would not keep it, and says so', (key, value, why) => {
    const deploy = pipeline(s3Deploy({ [key]: value }));
    expect(problemsOf(deploy, 'local')).toEqual([
      {
        path: `stages[1].actions[0].configuration.${key}`,
        rule: 'configuration-runtime',
        message: expect.stringMatching(new RegExp(`^S3 on the local runtime does not honour ${key}: .*${why}.* Remove ${key}\\.$`)),
      },
    ]);
    expect(problemsOf(deploy, 'aws')).toEqual([]);
  });
});
