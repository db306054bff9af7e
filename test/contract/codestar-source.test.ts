import { readFile, symlink } from 'node:fs/promises';
import path from 'node:path';
import type { ActionOutcome } from '../../lib/actions/action-provider';
import { codeStarSourceConnection } from '../../lib/actions/codestar-source';
import { repositoryHostsFromEnvironment } from '../../lib/compose/local';
import type { RepositoryHosts } from '../../lib/ports/repository-host';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github';
import { describeGitSourceContract, expectHeadArtifact, gitSourceSuite } from '../support/source-actions';

const TOKEN = 'ghp_sluice-test-token';
const CONNECTION_ARN = 'arn:aws:codeconnections:us-east-1:123456789012:connection/c0ffee00-1234-5678-9abc-def012345678';

describe('the CodeStarSourceConnection source action on a fake GitHub and the embedded s3rver', () => {
  const source = gitSourceSuite({ prepare: (dir) => symlink('src/lib/deep/util.js', path.join(dir, 'util-link.js')) });
  let github: FakeGitHub;

  beforeAll(async () => {
    github = await startFakeGitHub(TOKEN);
    github.addRepository('octo/app', source.repository);
  });

  afterAll(() => github.close());

  /** The hosts as `sluice run` builds them from its environment, with no connection named in its settings: every one is GitHub's. */
  const hosts = (token = TOKEN): RepositoryHosts =>
    repositoryHostsFromEnvironment({ SLUICE_GITHUB_TOKEN: token, SLUICE_GITHUB_API_URL: github.apiUrl }, async () => ({}));

  async function runSource(
    options: { configuration?: Record<string, string>; repositoryHosts?: RepositoryHosts; sourceRevision?: string } = {},
  ): Promise<{ outcome: ActionOutcome; log: string }> {
    const { context, log } = await source.harness.context(
      {
        actionTypeId: { category: 'Source', owner: 'AWS', provider: 'CodeStarSourceConnection', version: '1' },
        configuration: { ConnectionArn: CONNECTION_ARN, FullRepositoryId: 'octo/app', BranchName: 'main', ...options.configuration },
      },
      { repositoryHosts: options.repositoryHosts ?? hosts(), sourceRevision: options.sourceRevision },
    );
    return { outcome: await codeStarSourceConnection.run!(context), log: log.join('') };
  }

  const fetchBack = (outcome: ActionOutcome) => source.harness.fetchBack(outcome);

  it('stores the head of the branch as the artifact, with executables, nested directories and links intact', async () => {
    const { outcome, log } = await runSource();

    // GitHub's top-level folder (octo-app-<sha7>/) is gone: the tree is at the artifact's root.
    const directory = await expectHeadArtifact({ fetchBack }, outcome, ['README.md', 'build.sh', 'src/lib/deep/util.js', 'util-link.js']);
    // An artifact stores a link inside the tree as what it points to.
    expect(await readFile(path.join(directory, 'util-link.js'), 'utf8')).toBe('export const util = 1;\n');
    expect(log).toContain(`Fetching octo/app at ${source.headCommit} (the head of main): second commit`);
  });

  it("outputs CodePipeline's variables for the commit, and links it", async () => {
    const { outcome } = await runSource();

    expect(outcome.outputVariables).toEqual({
      AuthorDate: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      BranchName: 'main',
      CommitId: source.headCommit,
      CommitMessage: 'second commit\n\nwith a body',
      ConnectionArn: CONNECTION_ARN,
      FullRepositoryName: 'octo/app',
    });
    expect(outcome.summary).toBe('second commit');
    expect(outcome.externalExecutionId).toBe(source.headCommit);
    expect(outcome.externalExecutionUrl).toBe(`${github.apiUrl}/octo/app/commit/${source.headCommit}`);
  });

  it("follows GitHub's redirect to codeload, which gets the code without the token", async () => {
    github.archiveDownloads.length = 0;

    await runSource();

    expect(github.archiveDownloads).toEqual([{ path: expect.stringContaining(`/octo/app/legacy.zip/${source.headCommit}?token=`), authorization: undefined }]);
  });

  it('fails with a BadInput error that says the token was refused, when GitHub refuses it', async () => {
    const running = runSource({ repositoryHosts: hosts('ghp_wrong') });

    await expect(running).rejects.toMatchObject({
      name: 'Sluice.BadInput',
      message: expect.stringContaining('GitHub refused the token when reading octo/app'),
    });
    await expect(running).rejects.toThrow(/Bad credentials/);
  });

  it('fails with a NotFound error that names the repository and the ref, when GitHub has no such repository', async () => {
    const running = runSource({ configuration: { FullRepositoryId: 'octo/missing' } });

    await expect(running).rejects.toMatchObject({
      name: 'Sluice.NotFound',
      message: expect.stringContaining('no repository octo/missing with ref main, or the token cannot see it'),
    });
  });

  it('fails with a BadInput error that says where to set a token, when no GitHub token is configured', async () => {
    const running = runSource({ repositoryHosts: repositoryHostsFromEnvironment({ SLUICE_GITLAB_TOKEN: 'glpat-unused' }, async () => ({})) });

    await expect(running).rejects.toMatchObject({
      name: 'Sluice.BadInput',
      message: `Connection ${CONNECTION_ARN} reaches GitHub, and no GitHub token is configured: set SLUICE_GITHUB_TOKEN.`,
    });
  });

  describeGitSourceContract(() => ({ run: runSource, fetchBack, firstCommit: source.firstCommit, noSuchBranch: 'no commit no-such-branch in octo/app' }));
});
