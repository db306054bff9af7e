import type { ActionOutcome } from '../../lib/actions/action-provider';
import { codeStarSourceConnection } from '../../lib/actions/codestar-source';
import { repositoryHostsFromEnvironment } from '../../lib/compose/local';
import type { Connections } from '../../lib/core/connection-hosts';
import type { RepositoryHosts } from '../../lib/ports/repository-host';
import { fakeHostsEnvironment, startFakeBitbucket, startFakeGitLab, type FakeHost } from '../support/fake-git-hosts';
import { describeGitSourceContract, expectHeadArtifact, gitSourceSuite } from '../support/source-actions';

const BITBUCKET_TOKEN = 'bb-access-token';
const BITBUCKET_APP_PASSWORD = 'sluice-bot:app-password';
const GITLAB_TOKEN = 'glpat-sluice-test-token';
const arn = (id: string) => `arn:aws:codeconnections:us-east-1:123456789012:connection/${id}`;
const SHA = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';

describe('CodeStarSourceConnection on Bitbucket Cloud and GitLab, through connections the settings map, on fake hosts and the embedded s3rver', () => {
  const source = gitSourceSuite();
  let bitbucket: FakeHost;
  let gitlab: FakeHost;
  let connections: Connections;

  beforeAll(async () => {
    bitbucket = await startFakeBitbucket([`Bearer ${BITBUCKET_TOKEN}`, `Basic ${Buffer.from(BITBUCKET_APP_PASSWORD).toString('base64')}`]);
    gitlab = await startFakeGitLab(GITLAB_TOKEN);
    bitbucket.addRepository('acme/app', source.repository);
    gitlab.addRepository('acme/platform/app', source.repository);
    connections = {
      // By ARN, and by the connection's id alone.
      [arn('bitbucket')]: { type: 'Bitbucket' },
      'gitlab-com': { type: 'GitLab' },
      [arn('gitlab-self-managed')]: { type: 'GitLabSelfManaged', url: gitlab.url },
    };
  });

  afterAll(async () => {
    await bitbucket?.close();
    await gitlab?.close();
  });

  /** The hosts as `sluice run` builds them from its environment and settings. */
  const hosts = (env: NodeJS.ProcessEnv = {}): RepositoryHosts =>
    repositoryHostsFromEnvironment({ ...fakeHostsEnvironment(bitbucket, BITBUCKET_TOKEN, gitlab, GITLAB_TOKEN), ...env }, async () => connections);

  const cases = [
    {
      host: 'Bitbucket',
      connection: () => arn('bitbucket'),
      repository: 'acme/app',
      commitPage: (sha: string) => `${bitbucket.url.replace('/2.0', '')}/acme/app/commits/${sha}`,
    },
    {
      host: 'GitLab',
      connection: () => arn('gitlab-com'),
      repository: 'acme/platform/app',
      commitPage: (sha: string) => `${gitlab.url}/acme/platform/app/-/commit/${sha}`,
    },
    {
      host: 'GitLab (self-managed)',
      connection: () => arn('gitlab-self-managed'),
      repository: 'acme/platform/app',
      commitPage: (sha: string) => `${gitlab.url}/acme/platform/app/-/commit/${sha}`,
    },
  ];

  describe.each(cases)('on $host', ({ connection, repository, commitPage }) => {
    async function runSource(
      options: { configuration?: Record<string, string>; repositoryHosts?: RepositoryHosts; sourceRevision?: string } = {},
    ): Promise<{ outcome: ActionOutcome; log: string }> {
      const { context, log } = await source.harness.context(
        {
          actionTypeId: { category: 'Source', owner: 'AWS', provider: 'CodeStarSourceConnection', version: '1' },
          configuration: { ConnectionArn: connection(), FullRepositoryId: repository, BranchName: 'main', ...options.configuration },
        },
        { repositoryHosts: options.repositoryHosts ?? hosts(), sourceRevision: options.sourceRevision },
      );
      return { outcome: await codeStarSourceConnection.run!(context), log: log.join('') };
    }
    const fetchBack = (outcome: ActionOutcome) => source.harness.fetchBack(outcome);

    it("stores the head of the branch as the artifact, without the host's top-level folder, and outputs CodePipeline's variables", async () => {
      const { outcome, log } = await runSource();

      await expectHeadArtifact({ fetchBack }, outcome, ['README.md', 'build.sh', 'src/lib/deep/util.js']);
      expect(outcome.outputVariables).toEqual({
        AuthorDate: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        BranchName: 'main',
        CommitId: source.headCommit,
        CommitMessage: 'second commit\n\nwith a body',
        ConnectionArn: connection(),
        FullRepositoryName: repository,
      });
      expect(outcome.externalExecutionUrl).toBe(commitPage(source.headCommit));
      expect(log).toContain(`Fetching ${repository} at ${source.headCommit} (the head of main)`);
    });

    it('fails with a NotFound error that names the repository, when the host has no such repository', async () => {
      await expect(runSource({ configuration: { FullRepositoryId: 'acme/missing' } })).rejects.toMatchObject({
        name: 'Sluice.NotFound',
        message: expect.stringContaining('no repository acme/missing with ref main, or the token cannot see it'),
      });
    });

    describeGitSourceContract(() => ({
      run: runSource,
      fetchBack,
      firstCommit: source.firstCommit,
      noSuchBranch: `no repository ${repository} with ref no-such-branch`,
    }));
  });

  it('fails with a BadInput error that names Bitbucket and the repository, when Bitbucket refuses the token', async () => {
    const { context } = await source.harness.context(
      {
        actionTypeId: { category: 'Source', owner: 'AWS', provider: 'CodeStarSourceConnection', version: '1' },
        configuration: { ConnectionArn: arn('bitbucket'), FullRepositoryId: 'acme/app', BranchName: 'main' },
      },
      { repositoryHosts: hosts({ SLUICE_BITBUCKET_TOKEN: 'expired' }) },
    );

    await expect(codeStarSourceConnection.run!(context)).rejects.toMatchObject({
      name: 'Sluice.BadInput',
      message: expect.stringMatching(
        /^Bitbucket refused the token when reading acme\/app \(401 .*Access token expired or invalid.*\): it is wrong, expired or revoked/,
      ),
    });
  });

  it('fails with a BadInput error that names GitLab, when GitLab refuses the token', async () => {
    const host = await hosts({ SLUICE_GITLAB_TOKEN: 'glpat-wrong' }).forConnection(arn('gitlab-com'));

    await expect(host.commit('acme/platform/app', 'main', new AbortController().signal)).rejects.toMatchObject({
      name: 'Sluice.BadInput',
      message: expect.stringContaining('GitLab refused the token when reading acme/platform/app (401 {"message":"401 Unauthorized"})'),
    });
  });

  it('reads Bitbucket with an app password as Basic credentials, when the token is the form user:password', async () => {
    const host = await hosts({ SLUICE_BITBUCKET_TOKEN: BITBUCKET_APP_PASSWORD }).forConnection(arn('bitbucket'));

    expect((await host.commit('acme/app', 'main', new AbortController().signal)).sha).toBe(source.headCommit);
  });

  it('refuses a connection whose host has no token configured, saying which variable to set', async () => {
    await expect(hosts({ SLUICE_GITLAB_TOKEN: '' }).forConnection(arn('gitlab-self-managed'))).rejects.toMatchObject({
      name: 'Sluice.BadInput',
      message: `Connection ${arn('gitlab-self-managed')} reaches GitLabSelfManaged at ${gitlab.url}, and no GitLab token is configured: set SLUICE_GITLAB_TOKEN.`,
    });
  });

  describe('commit statuses', () => {
    beforeEach(() => {
      bitbucket.statuses.length = 0;
      gitlab.statuses.length = 0;
    });

    const status = { repository: 'acme/app', sha: SHA, context: 'sluice/webapp', description: 'Running', targetUrl: 'http://127.0.0.1:8040/executions/e-1' };

    it("go to Bitbucket's build statuses, for a connection to Bitbucket, with Bitbucket's states", async () => {
      await hosts().report({ ...status, state: 'pending', connectionArn: arn('bitbucket') });
      await hosts().report({ ...status, state: 'error', description: 'Stopped', connectionArn: arn('bitbucket') });

      expect(bitbucket.statuses).toEqual([
        {
          repository: 'acme/app',
          sha: SHA,
          authorization: `Bearer ${BITBUCKET_TOKEN}`,
          body: { key: 'sluice/webapp', name: 'sluice/webapp', state: 'INPROGRESS', description: 'Running', url: 'http://127.0.0.1:8040/executions/e-1' },
        },
        expect.objectContaining({ body: expect.objectContaining({ state: 'STOPPED', description: 'Stopped' }) }),
      ]);
      expect(gitlab.statuses).toEqual([]);
    });

    it("link a status with no execution (a skipped pipeline) to the commit's page on Bitbucket, which requires a link", async () => {
      await hosts().report({
        repository: 'acme/app',
        sha: SHA,
        state: 'success',
        context: 'sluice/webapp',
        description: 'Skipped',
        connectionArn: arn('bitbucket'),
      });

      expect(bitbucket.statuses[0]!.body).toMatchObject({ state: 'SUCCESSFUL', url: `${bitbucket.url.replace('/2.0', '')}/acme/app/commits/${SHA}` });
    });

    it("go to GitLab's commit statuses, for a connection to a self-managed GitLab, with GitLab's states", async () => {
      await hosts().report({ ...status, repository: 'acme/platform/app', state: 'pending', connectionArn: arn('gitlab-self-managed') });
      await hosts().report({ ...status, repository: 'acme/platform/app', state: 'failure', description: 'Failed', connectionArn: arn('gitlab-self-managed') });

      expect(gitlab.statuses).toEqual([
        {
          repository: 'acme/platform/app',
          sha: SHA,
          authorization: `Bearer ${GITLAB_TOKEN}`,
          body: { state: 'running', name: 'sluice/webapp', description: 'Running', target_url: 'http://127.0.0.1:8040/executions/e-1' },
        },
        expect.objectContaining({ body: expect.objectContaining({ state: 'failed', description: 'Failed' }) }),
      ]);
    });

    it("reject with the host's answer when it refuses the status", async () => {
      await expect(hosts({ SLUICE_GITLAB_TOKEN: 'glpat-wrong' }).report({ ...status, state: 'pending', connectionArn: arn('gitlab-com') })).rejects.toThrow(
        /^GitLab answered 401 to the pending status of acme\/app@6113728f27ae82c7b1a177c8d03f9e96e0adf246: \{"message":"401 Unauthorized"\}$/,
      );
    });
  });
});
