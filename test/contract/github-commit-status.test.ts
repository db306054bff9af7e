import { GitHubHost } from '../../lib/adapters/git-hosts/github-host';
import type { HostAccess } from '../../lib/ports/repository-host';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github';

const SHA = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';
let github: FakeGitHub;

beforeAll(async () => {
  github = await startFakeGitHub('the-token');
});

afterAll(() => github.close());

const access = (token: string, apiUrl = github.apiUrl): HostAccess => ({ apiUrl, token: async () => token });

beforeEach(() => {
  github.statuses.length = 0;
});

describe("GitHubHost's commit statuses", () => {
  it("creates the status with the bearer token and GitHub's fields", async () => {
    const reporter = new GitHubHost('GitHub', access('the-token'));

    await reporter.report({
      repository: 'octo/app',
      sha: SHA,
      state: 'pending',
      context: 'sluice/app',
      description: 'Running',
      targetUrl: 'http://127.0.0.1:8040/executions/e-1',
    });

    expect(github.statuses).toEqual([
      {
        repository: 'octo/app',
        sha: SHA,
        authorization: 'Bearer the-token',
        body: { state: 'pending', target_url: 'http://127.0.0.1:8040/executions/e-1', description: 'Running', context: 'sluice/app' },
      },
    ]);
  });

  it('keeps the path of a GitHub Enterprise API URL, and leaves out a missing target URL', async () => {
    const reporter = new GitHubHost('GitHub', access('the-token', `${github.apiUrl}/api/v3/`));

    await reporter.report({ repository: 'octo/app', sha: SHA, state: 'success', context: 'sluice/app', description: 'Skipped: branch dev is not main' });

    expect(github.statuses[0]!.body).toEqual({ state: 'success', description: 'Skipped: branch dev is not main', context: 'sluice/app' });
  });

  it('shortens a description to the 140 characters GitHub takes', async () => {
    const reporter = new GitHubHost('GitHub', access('the-token'));

    await reporter.report({ repository: 'octo/app', sha: SHA, state: 'failure', context: 'sluice/app', description: `Failed: ${'x'.repeat(300)}` });

    const description = github.statuses[0]!.body.description!;
    expect(description).toHaveLength(140);
    expect(description.endsWith('…')).toBe(true);
  });

  it("rejects with GitHub's answer when GitHub refuses the status", async () => {
    const reporter = new GitHubHost('GitHub', access('a-wrong-token'));

    await expect(reporter.report({ repository: 'octo/app', sha: SHA, state: 'pending', context: 'sluice/app', description: 'Running' })).rejects.toThrow(
      /GitHub answered 401 .*Bad credentials/,
    );
    expect(github.statuses).toEqual([]);
  });

  it('reads the token for each status, so that a rotated token applies at once', async () => {
    let token = 'an-old-token';
    const reporter = new GitHubHost('GitHub', { apiUrl: github.apiUrl, token: async () => token });
    const status = { repository: 'octo/app', sha: SHA, state: 'pending', context: 'sluice/app', description: 'Running' } as const;

    await expect(reporter.report(status)).rejects.toThrow(/GitHub answered 401/);
    token = 'the-token';
    await reporter.report(status);

    expect(github.statuses.map((received) => received.authorization)).toEqual(['Bearer the-token']);
  });

  it('refuses a repository that is not owner/name without calling GitHub', async () => {
    const reporter = new GitHubHost('GitHub', access('the-token'));

    await expect(reporter.report({ repository: 'app', sha: SHA, state: 'pending', context: 'sluice/app', description: 'Running' })).rejects.toThrow(
      /app is not a repository's FullRepositoryId \(owner\/name\)/,
    );
  });
});
