import { awsCodeCommitAccess, codeCommitRepositoryUrl } from '../../../../lib/adapters/aws/codecommit-access';

describe("CodeCommit's git endpoint", () => {
  it('is under amazonaws.com, and amazonaws.com.cn in the China regions', () => {
    expect(codeCommitRepositoryUrl('eu-west-1', 'webapp')).toBe('https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/webapp');
    expect(codeCommitRepositoryUrl('cn-north-1', 'webapp')).toBe('https://git-codecommit.cn-north-1.amazonaws.com.cn/v1/repos/webapp');
    expect(codeCommitRepositoryUrl('cn-northwest-1', 'webapp')).toBe('https://git-codecommit.cn-northwest-1.amazonaws.com.cn/v1/repos/webapp');
  });

  it("names a repository by the ARN of its region's partition, with IAM's * where the account is unknown", () => {
    const credentials = async () => ({ accessKeyId: 'access', secretAccessKey: 'secret' });

    expect(awsCodeCommitAccess({ region: 'eu-west-1', identity: 'role', accountId: '123456789012', credentials }).repositoryArn('webapp')).toBe(
      'arn:aws:codecommit:eu-west-1:123456789012:webapp',
    );
    expect(awsCodeCommitAccess({ region: 'cn-north-1', identity: 'role', credentials }).repositoryArn('webapp')).toBe(
      'arn:aws-cn:codecommit:cn-north-1:*:webapp',
    );
    expect(awsCodeCommitAccess({ region: 'us-gov-west-1', identity: 'role', credentials }).repositoryArn('webapp')).toBe(
      'arn:aws-us-gov:codecommit:us-gov-west-1:*:webapp',
    );
  });
});
