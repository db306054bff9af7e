import { parseSecretReference } from '../../../../lib/actions/codebuild/secret-variables';

describe('parseSecretReference', () => {
  it.each([
    ['prod/db', { secretId: 'prod/db' }],
    ['prod/db:password', { secretId: 'prod/db', jsonKey: 'password' }],
    ['prod/db:password:AWSPREVIOUS', { secretId: 'prod/db', jsonKey: 'password', versionStage: 'AWSPREVIOUS' }],
    ['prod/db:::1f0e', { secretId: 'prod/db', versionId: '1f0e' }],
    [
      'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf',
      { secretId: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf' },
    ],
    [
      'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf:password::1f0e',
      { secretId: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf', jsonKey: 'password', versionId: '1f0e' },
    ],
  ])('reads %s', (reference, parsed) => {
    expect(parseSecretReference(reference)).toEqual(parsed);
  });
});
