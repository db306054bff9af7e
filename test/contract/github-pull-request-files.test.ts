import { GitHubHost, PULL_REQUEST_FILES_LIMIT } from '../../lib/adapters/git-hosts/github-host';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github';

const TOKEN = 'ghp_sluice-test-token';

describe("a pull request's changed files, read from a local server that speaks GitHub's API", () => {
  let github: FakeGitHub;

  beforeAll(async () => {
    github = await startFakeGitHub(TOKEN);
  });

  afterAll(() => github.close());

  const host = (token = TOKEN) => new GitHubHost('GitHub', { apiUrl: github.apiUrl, token: async () => token });
  const repository = (token = TOKEN) => ({
    pullRequestFiles: (number: number, signal: AbortSignal) => host(token).pullRequestFiles('octo/app', number, signal),
  });
  const filesNamed = (count: number, prefix: string) => Array.from({ length: count }, (_, index) => ({ filename: `${prefix}/file-${index}.ts` }));

  it("reads every page that GitHub's Link headers lead to, a hundred files at a time", async () => {
    github.addPullRequest('octo/app', 12, [...filesNamed(230, 'docs'), { filename: 'src/new.ts', previous_filename: 'src/old.ts' }]);
    github.fileListings.length = 0;

    const { files, cut } = await repository().pullRequestFiles(12, AbortSignal.timeout(10_000));

    expect(files).toHaveLength(232);
    expect(files.slice(-2)).toEqual(['src/new.ts', 'src/old.ts']);
    expect(cut).toBeUndefined();
    // The next pages are where GitHub's Link headers point: by the repository's id.
    expect(github.fileListings).toEqual([
      '/repos/octo/app/pulls/12/files?per_page=100',
      expect.stringMatching(/^\/repositories\/\d+\/pulls\/12\/files\?per_page=100&page=2$/),
      expect.stringMatching(/^\/repositories\/\d+\/pulls\/12\/files\?per_page=100&page=3$/),
    ]);
  });

  it('follows no Link to another origin, where its token would go, and says the list is cut there', async () => {
    github.addPullRequest('octo/app', 16, filesNamed(150, 'src'));
    github.fileListings.length = 0;
    // The same server by another name: its Link headers name it by 127.0.0.1, another origin than localhost.
    const elsewhere = new GitHubHost('GitHub', { apiUrl: github.apiUrl.replace('127.0.0.1', 'localhost'), token: async () => TOKEN });

    const { files, cut } = await elsewhere.pullRequestFiles('octo/app', 16, AbortSignal.timeout(10_000));

    expect(files).toHaveLength(100);
    expect(cut).toBe(
      `GitHub linked the next page of pull request #16's changed files to ${new URL(github.apiUrl).origin}, not its API's origin, where Sluice sends no token`,
    );
    expect(github.fileListings).toEqual(['/repos/octo/app/pulls/16/files?per_page=100']);
  });

  it('reads an empty pull request as changing no files', async () => {
    github.addPullRequest('octo/app', 13, []);

    expect(await repository().pullRequestFiles(13, AbortSignal.timeout(10_000))).toEqual({ files: [] });
  });

  it('says the listing is cut when the pull request changes more files than GitHub lists', async () => {
    github.addPullRequest('octo/app', 14, filesNamed(PULL_REQUEST_FILES_LIMIT + 50, 'src'));
    github.fileListings.length = 0;

    const { files, cut } = await repository().pullRequestFiles(14, AbortSignal.timeout(10_000));

    expect(files).toHaveLength(PULL_REQUEST_FILES_LIMIT);
    expect(cut).toBe('GitHub lists only the first 3000 files of a pull request');
    expect(github.fileListings).toHaveLength(30);
  });

  it('fails with a NotFound error that names the pull request, when GitHub has no such pull request', async () => {
    await expect(repository().pullRequestFiles(404, AbortSignal.timeout(10_000))).rejects.toMatchObject({
      name: 'Sluice.NotFound',
      message: expect.stringContaining('GitHub found no repository octo/app with ref pull request #404'),
    });
  });

  it('fails with a BadInput error when GitHub refuses the token', async () => {
    await expect(repository('ghp_wrong').pullRequestFiles(12, AbortSignal.timeout(10_000))).rejects.toMatchObject({
      name: 'Sluice.BadInput',
      message: expect.stringContaining('GitHub refused the token when reading octo/app'),
    });
  });
});
