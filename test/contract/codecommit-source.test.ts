import type { ActionOutcome } from '../../lib/actions/action-provider';
import { codeCommitSource } from '../../lib/actions/codecommit-source';
import type { AwsCredentials, CodeCommitAccess } from '../../lib/ports/codecommit-access';
import { startCodeCommitGitServer, type CodeCommitGitServer } from '../support/codecommit-git-server';
import { describeGitSourceContract, expectHeadArtifact, gitSourceSuite } from '../support/source-actions';

const REGION = 'eu-west-1';
const ROLE = 'sluice-ci-ActionRunnerRole-1A2B3C';
/** Temporary credentials, as Lambda gives a function's role. */
const CREDENTIALS: AwsCredentials = {
  accessKeyId: 'ASIAEXAMPLEKEYID',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE/token+=',
};

describe("the CodeCommit source action on a git smart-HTTP server that checks CodeCommit's signed credentials, and the embedded s3rver", () => {
  // Its committer date differs from its author date, as after a rebase.
  const source = gitSourceSuite({ env: { GIT_AUTHOR_DATE: '2024-03-01T10:00:00Z', GIT_COMMITTER_DATE: '2024-03-02T11:30:15Z' } });
  let codeCommit: CodeCommitGitServer;

  beforeAll(async () => {
    codeCommit = await startCodeCommitGitServer(REGION, CREDENTIALS);
    codeCommit.addRepository('webapp', source.repository);
  });

  afterAll(() => codeCommit.close());

  const access = (credentials = CREDENTIALS): CodeCommitAccess => ({
    region: REGION,
    repositoryUrl: (name) => codeCommit.repositoryUrl(name),
    repositoryArn: (name) => `arn:aws:codecommit:${REGION}:123456789012:${name}`,
    identity: ROLE,
    credentials: async () => credentials,
  });

  async function runSource(
    options: { configuration?: Record<string, string>; codeCommit?: CodeCommitAccess; sourceRevision?: string } = {},
  ): Promise<{ outcome: ActionOutcome; log: string }> {
    const { context, log } = await source.harness.context(
      {
        actionTypeId: { category: 'Source', owner: 'AWS', provider: 'CodeCommit', version: '1' },
        configuration: { RepositoryName: 'webapp', BranchName: 'main', ...options.configuration },
      },
      {
        codeCommit: 'codeCommit' in options ? options.codeCommit : access(),
        ...(options.sourceRevision ? { sourceRevision: options.sourceRevision, sourceRevisionType: 'COMMIT_ID' as const } : {}),
      },
    );
    return { outcome: await codeCommitSource.run!(context), log: log.join('') };
  }

  const fetchBack = (outcome: ActionOutcome) => source.harness.fetchBack(outcome);

  describe('polled (PollForSourceChanges)', () => {
    const latestRevision = (BranchName: string, codeCommit: CodeCommitAccess | undefined) =>
      codeCommitSource.latestRevision!({
        action: {
          name: 'Src',
          actionTypeId: { category: 'Source', owner: 'AWS', provider: 'CodeCommit', version: '1' },
          configuration: { RepositoryName: 'webapp', BranchName, PollForSourceChanges: 'true' },
        },
        blobs: source.harness.blobs,
        codeCommit,
      });

    it("reads the branch's head commit from the server, with signed credentials", async () => {
      expect(await latestRevision('main', access())).toEqual({
        revision: { revisionType: 'COMMIT_ID', revisionValue: source.headCommit },
        marker: source.headCommit,
        description: `CodeCommit repository webapp branch main at ${source.headCommit}`,
      });
    });

    it('reads no revision of a branch that does not exist yet', async () => {
      expect(await latestRevision('no-such-branch', access())).toBeUndefined();
    });

    it('fails as the action does, when CodeCommit refuses the credentials or no region is configured', async () => {
      await expect(latestRevision('main', access({ ...CREDENTIALS, secretAccessKey: 'wrong' }))).rejects.toMatchObject({ name: 'Sluice.AccessDenied' });
      await expect(latestRevision('main', undefined)).rejects.toThrow(/no AWS region is configured: set AWS_REGION/);
    });
  });

  it('stores the head of the branch as the artifact, without .git, with executables and nested directories intact', async () => {
    const { outcome, log } = await runSource();

    await expectHeadArtifact({ fetchBack }, outcome, ['README.md', 'build.sh', 'src/lib/deep/util.js']);
    expect(log).toContain(`Checked out main at ${source.headCommit}: second commit`);
  });

  it('signs in as the access key with its session token, as git-remote-codecommit does', async () => {
    codeCommit.acceptedUsernames.length = 0;

    await runSource();

    expect(new Set(codeCommit.acceptedUsernames)).toEqual(new Set([`${CREDENTIALS.accessKeyId}%${CREDENTIALS.sessionToken}`]));
  });

  it("outputs CodePipeline's variables for the commit", async () => {
    const { outcome } = await runSource();

    expect(outcome.outputVariables).toEqual({
      AuthorDate: '2024-03-01T10:00:00Z',
      BranchName: 'main',
      CommitId: source.headCommit,
      CommitMessage: 'second commit\n\nwith a body',
      CommitterDate: '2024-03-02T11:30:15Z',
      RepositoryName: 'webapp',
    });
    expect(outcome.summary).toBe('second commit');
    expect(outcome.externalExecutionId).toBe(source.headCommit);
  });

  it('fails with an AccessDenied error that names the repository, codecommit:GitPull and the role, when CodeCommit refuses the credentials', async () => {
    const running = runSource({ codeCommit: access({ ...CREDENTIALS, secretAccessKey: 'not-the-secret' }) });

    await expect(running).rejects.toMatchObject({
      name: 'Sluice.AccessDenied',
      message: expect.stringContaining(`Access denied: ${ROLE} may not call codecommit:GitPull on arn:aws:codecommit:${REGION}:123456789012:webapp.`),
    });
    await expect(running).rejects.toThrow(/expired or wrong credentials/);
  });

  it('fails with a NotFound error that names the repository and the region, when CodeCommit has no such repository', async () => {
    const running = runSource({ configuration: { RepositoryName: 'no-such-repository' } });

    await expect(running).rejects.toMatchObject({
      name: 'Sluice.NotFound',
      message: expect.stringContaining(`CodeCommit has no repository no-such-repository in ${REGION}`),
    });
  });

  it('fails with a BadInput error that says what to set, when no AWS region is configured', async () => {
    const running = runSource({ codeCommit: undefined });

    await expect(running).rejects.toMatchObject({
      name: 'Sluice.BadInput',
      message: expect.stringContaining('no AWS region is configured: set AWS_REGION, and AWS credentials'),
    });
  });

  describeGitSourceContract(() => ({
    run: runSource,
    fetchBack,
    firstCommit: source.firstCommit,
    noSuchBranch: 'CodeCommit repository webapp has no branch no-such-branch',
  }));
});
