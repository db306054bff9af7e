import { codeCommitGitCredentials } from '../../../lib/actions/codecommit-git-credentials';

/**
 * The published vectors of the two helpers that make these credentials:
 * - aws/git-remote-codecommit, test/git_url_test.py (AWS's own helper): credentials
 *   `access`/`secret` (and session token `token`), us-west-2, 2017-12-24 11:53:20 UTC, `test_repo`;
 * - gembaadvantage/codecommit-sign, pkg/awsv4/signer_test.go (TestSignature): secret
 *   `SECRET_ACCESS_KEY`, eu-west-1, 2021-09-01 10:25:23 UTC, `dummy-repo`.
 */
describe('CodeCommit git credentials', () => {
  const gitRemoteCodeCommit = {
    url: 'https://git-codecommit.us-west-2.amazonaws.com/v1/repos/test_repo',
    region: 'us-west-2',
    time: new Date('2017-12-24T11:53:20Z'),
    password: '20171224T115320Zb6df2d758a8023b2f000a546417007b65494f3ce8ad0300fd45fcfa173f1959a',
  };

  it("signs the password as git-remote-codecommit's test vector has it", () => {
    const { url, region, time, password } = gitRemoteCodeCommit;

    expect(codeCommitGitCredentials(url, region, { accessKeyId: 'access', secretAccessKey: 'secret' }, time)).toEqual({ username: 'access', password });
  });

  it("signs the password as codecommit-sign's test vector has it", () => {
    const url = 'https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/dummy-repo';
    const credentials = { accessKeyId: 'ACCESS_KEY_ID', secretAccessKey: 'SECRET_ACCESS_KEY' };

    expect(codeCommitGitCredentials(url, 'eu-west-1', credentials, new Date('2021-09-01T10:25:23Z')).password).toBe(
      '20210901T102523Z670ef0c32f13fc847ed0c001a2b90bc772451c1eb89eadf84a73f3e82da9f56a',
    );
  });

  it('adds the session token to the username, and leaves it out of the signature', () => {
    const { url, region, time, password } = gitRemoteCodeCommit;

    expect(codeCommitGitCredentials(url, region, { accessKeyId: 'access', secretAccessKey: 'secret', sessionToken: 'token' }, time)).toEqual({
      username: 'access%token',
      password,
    });
  });

  it('signs to the second, whatever the milliseconds', () => {
    const { url, region, password } = gitRemoteCodeCommit;

    expect(codeCommitGitCredentials(url, region, { accessKeyId: 'access', secretAccessKey: 'secret' }, new Date('2017-12-24T11:53:20.987Z')).password).toBe(
      password,
    );
  });
});
