import {
  ARTIFACT_SESSION_MAX_SECONDS,
  ARTIFACT_SESSION_MIN_SECONDS,
  artifactSessionPolicy,
  artifactSessionSeconds,
  SESSION_POLICY_MAX_CHARACTERS,
  type JobArtifacts,
} from '../../../lib/core/artifact-session-policy';

const job = (extra: Partial<JobArtifacts> = {}): JobArtifacts => ({
  partition: 'aws',
  region: 'eu-west-1',
  accountId: '123456789012',
  pipelineName: 'deploy',
  inputs: [{ bucketName: 'artifacts', objectKey: 'deploy/Src/1.zip' }],
  outputs: [{ bucketName: 'artifacts', objectKey: 'deploy/Report/2.zip' }],
  ...extra,
});

describe('the session policy of a job’s artifact credentials', () => {
  it('reads exactly the input objects and writes exactly the output objects', () => {
    expect(
      artifactSessionPolicy(
        job({
          inputs: [
            { bucketName: 'artifacts', objectKey: 'deploy/Src/1.zip' },
            { bucketName: 'artifacts', objectKey: 'deploy/Lib/3.zip' },
          ],
        }),
      ),
    ).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'ReadInputArtifacts',
          Effect: 'Allow',
          Action: ['s3:GetObject'],
          Resource: ['arn:aws:s3:::artifacts/deploy/Src/1.zip', 'arn:aws:s3:::artifacts/deploy/Lib/3.zip'],
        },
        { Sid: 'WriteOutputArtifacts', Effect: 'Allow', Action: ['s3:PutObject'], Resource: ['arn:aws:s3:::artifacts/deploy/Report/2.zip'] },
      ],
    });
  });

  it('has no statement for a side with no artifacts, and is undefined with none at all', () => {
    expect(artifactSessionPolicy(job({ outputs: [] }))?.Statement).toEqual([
      { Sid: 'ReadInputArtifacts', Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::artifacts/deploy/Src/1.zip'] },
    ]);
    expect(artifactSessionPolicy(job({ inputs: [], outputs: [] }))).toBeUndefined();
    expect(artifactSessionPolicy(job({ inputs: [], outputs: [], encryptionKeyId: 'abcd' }))).toBeUndefined();
  });

  it('names the partition of the pipeline in every ARN', () => {
    expect(artifactSessionPolicy(job({ partition: 'aws-cn', outputs: [], encryptionKeyId: 'k-1' }))?.Statement).toEqual([
      { Sid: 'ReadInputArtifacts', Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws-cn:s3:::artifacts/deploy/Src/1.zip'] },
      { Sid: 'UseArtifactKey', Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: ['arn:aws-cn:kms:eu-west-1:123456789012:key/k-1'] },
    ]);
  });

  it.each([
    ['a key ARN, as it is', 'arn:aws:kms:us-east-2:210987654321:key/0f1e', 'arn:aws:kms:us-east-2:210987654321:key/0f1e'],
    [
      'a key id, in the store’s region and account',
      '1234abcd-12ab-34cd-56ef-1234567890ab',
      'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    ],
    ['an alias ARN, as any key of its region and account', 'arn:aws:kms:us-east-2:210987654321:alias/artifacts', 'arn:aws:kms:us-east-2:210987654321:key/*'],
    ['an alias name, as any key of the store’s region and account', 'alias/artifacts', 'arn:aws:kms:eu-west-1:123456789012:key/*'],
  ])('uses the store’s key given as %s', (_, encryptionKeyId, resource) => {
    expect(artifactSessionPolicy(job({ encryptionKeyId }))?.Statement[2]).toEqual({
      Sid: 'UseArtifactKey',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: [resource],
    });
  });

  it('narrows to the pipeline’s key prefix in each bucket when the objects’ ARNs make it longer than STS takes', () => {
    const pipelineName = `p${'x'.repeat(99)}`;
    const objects = (artifact: string, bucketName = 'artifacts-bucket-of-a-long-name') =>
      [1, 2, 3, 4, 5].map((index) => ({
        bucketName,
        objectKey: `${pipelineName}/${artifact}${index}${'y'.repeat(90)}/0b7e1c2a-5d4f-4e2b-9a8c-3f6d1e2b7c9${index}.zip`,
      }));
    const many = job({ pipelineName, inputs: objects('In'), outputs: [...objects('Out'), ...objects('Out', 'regional-store')], encryptionKeyId: 'k-1' });
    const exactArns = [...many.inputs, ...many.outputs].map(({ bucketName, objectKey }) => `arn:aws:s3:::${bucketName}/${objectKey}`);
    expect(JSON.stringify(exactArns).length).toBeGreaterThan(SESSION_POLICY_MAX_CHARACTERS);

    const policy = artifactSessionPolicy(many);
    expect(policy).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'ReadInputArtifacts', Effect: 'Allow', Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::artifacts-bucket-of-a-long-name/${pipelineName}/*`] },
        {
          Sid: 'WriteOutputArtifacts',
          Effect: 'Allow',
          Action: ['s3:PutObject'],
          Resource: [`arn:aws:s3:::artifacts-bucket-of-a-long-name/${pipelineName}/*`, `arn:aws:s3:::regional-store/${pipelineName}/*`],
        },
        { Sid: 'UseArtifactKey', Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: ['arn:aws:kms:eu-west-1:123456789012:key/k-1'] },
      ],
    });
    expect(JSON.stringify(policy).length).toBeLessThanOrEqual(SESSION_POLICY_MAX_CHARACTERS);
  });

  it('keeps the exact objects up to the limit', () => {
    const policy = artifactSessionPolicy(job());
    expect(JSON.stringify(policy).length).toBeLessThanOrEqual(SESSION_POLICY_MAX_CHARACTERS);
    expect(policy?.Statement.flatMap((statement) => statement.Resource)).toEqual([
      'arn:aws:s3:::artifacts/deploy/Src/1.zip',
      'arn:aws:s3:::artifacts/deploy/Report/2.zip',
    ]);
  });
});

describe('how long a job’s artifact credentials last', () => {
  it.each([
    [60, ARTIFACT_SESSION_MIN_SECONDS],
    [1200, 1200],
    [1200.4, 1201],
    [7 * 24 * 3600, ARTIFACT_SESSION_MAX_SECONDS],
  ])('a timeout of %s s gives %s s', (timeout, seconds) => {
    expect(artifactSessionSeconds(timeout)).toBe(seconds);
  });

  it('stays within STS’s bounds for a chained session', () => {
    expect([ARTIFACT_SESSION_MIN_SECONDS, ARTIFACT_SESSION_MAX_SECONDS]).toEqual([900, 3600]);
  });
});
