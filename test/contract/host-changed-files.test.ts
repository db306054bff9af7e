import { repositoryHostsFromEnvironment } from '../../lib/compose/local';
import type { Connections } from '../../lib/core/connection-hosts';
import { BadInputError, NotFoundError } from '../../lib/core/errors';
import { changedFilesThrough } from '../../lib/execution/webhook-deliveries';
import type { FileChange } from '../../lib/ports/repository-host';
import { fakeHostsEnvironment, startFakeBitbucket, startFakeGitLab, type FakeHost } from '../support/fake-git-hosts';
import { commitChanges, gitRepository } from '../support/git-repository';

const BITBUCKET_TOKEN = 'bb-access-token';
const GITLAB_TOKEN = 'glpat-sluice-test-token';
const arn = (id: string) => `arn:aws:codeconnections:us-east-1:123456789012:connection/${id}`;

/** What a change of four files (one modified, one added, one removed, one renamed) lists: each path, and the renamed file's old one. */
const CHANGED = ['new.txt', 'old.txt', 'src/a.ts', 'src/b.ts', 'src/c.ts'];

describe("the files a pull request or a push changes, read through the connection's host, from fake Bitbucket and GitLab servers over a real git repository", () => {
  let bitbucket: FakeHost & { linkNextPagesTo(origin: string | undefined): void };
  let gitlab: FakeHost;
  let base: string;
  let head: string;
  const connections: Connections = { bitbucket: { type: 'Bitbucket' }, gitlab: { type: 'GitLab' } };

  beforeAll(async () => {
    const repository = gitRepository({
      'docs/guide.md': 'guide',
      'src/a.ts': 'a',
      'src/b.ts': 'b',
      'old.txt': 'a file to rename, long enough to be found again',
    });
    base = repository.commit;
    head = commitChanges(repository.dir, { files: { 'src/a.ts': 'a, changed', 'src/c.ts': 'c' }, moves: [['old.txt', 'new.txt']], removals: ['src/b.ts'] });
    bitbucket = await startFakeBitbucket([`Bearer ${BITBUCKET_TOKEN}`]);
    gitlab = await startFakeGitLab(GITLAB_TOKEN);
    bitbucket.addRepository('acme/app', repository.dir);
    gitlab.addRepository('acme/platform/app', repository.dir);
    bitbucket.addPullRequest('acme/app', 7, base, head);
    gitlab.addPullRequest('acme/platform/app', 7, base, head);
  });

  afterAll(async () => {
    await bitbucket?.close();
    await gitlab?.close();
  });

  /** The reader the webhooks use, over the hosts as `sluice serve` builds them from its environment and settings. */
  const changedFiles = (env: NodeJS.ProcessEnv = {}) =>
    changedFilesThrough(
      repositoryHostsFromEnvironment({ ...fakeHostsEnvironment(bitbucket, BITBUCKET_TOKEN, gitlab, GITLAB_TOKEN), ...env }, async () => connections),
    );
  const read = (connection: string, repository: string, change: FileChange, env?: NodeJS.ProcessEnv) =>
    changedFiles(env)({ connectionArn: arn(connection), repository, change }, AbortSignal.timeout(10_000));

  const sorted = ({ files, cut }: { files: string[]; cut?: string }) => ({ files: [...files].sort(), cut });

  describe('Bitbucket Cloud', () => {
    it("reads a pull request's diffstat page by page as its next links lead", async () => {
      const listed = bitbucket.fileListings.length;

      expect(sorted(await read('bitbucket', 'acme/app', { pullRequest: 7 }))).toEqual({ files: CHANGED, cut: undefined });
      expect(bitbucket.fileListings.slice(listed)).toEqual([
        '/2.0/repositories/acme/app/pullrequests/7/diffstat',
        '/2.0/repositories/acme/app/pullrequests/7/diffstat?page=2',
      ]);
    });

    it('follows no next link to another origin, where its token would go, and says the list is cut there', async () => {
      const listed = bitbucket.fileListings.length;
      bitbucket.linkNextPagesTo('http://elsewhere.example');
      try {
        const files = await read('bitbucket', 'acme/app', { pullRequest: 7 });

        // The first page's two entries: a rename (both its paths) and a change.
        expect([...files.files].sort()).toEqual(['new.txt', 'old.txt', 'src/a.ts']);
        expect(files.cut).toBe(
          "Bitbucket linked the next page of pull request #7's changed files to http://elsewhere.example, not its API's origin, where Sluice sends no token",
        );
        expect(bitbucket.fileListings.slice(listed)).toEqual(['/2.0/repositories/acme/app/pullrequests/7/diffstat']);
      } finally {
        bitbucket.linkNextPagesTo(undefined);
      }
    });

    it("reads a push's diffstat from the commit before it to the pushed one, newer first as Bitbucket's spec has it", async () => {
      const listed = bitbucket.fileListings.length;

      expect(sorted(await read('bitbucket', 'acme/app', { from: base, to: head }))).toEqual({ files: CHANGED, cut: undefined });
      expect(bitbucket.fileListings[listed]).toBe(`/2.0/repositories/acme/app/diffstat/${head}..${base}`);
    });

    it('refuses an unknown pull request with NotFound, and a token Bitbucket refuses with BadInput', async () => {
      await expect(read('bitbucket', 'acme/app', { pullRequest: 8 })).rejects.toThrow(NotFoundError);
      await expect(read('bitbucket', 'acme/app', { pullRequest: 7 }, { SLUICE_BITBUCKET_TOKEN: 'wrong' })).rejects.toThrow(BadInputError);
    });
  });

  describe('GitLab', () => {
    it("reads a merge request's diffs page by page as the Link headers lead", async () => {
      const listed = gitlab.fileListings.length;

      expect(sorted(await read('gitlab', 'acme/platform/app', { pullRequest: 7 }))).toEqual({ files: CHANGED, cut: undefined });
      expect(gitlab.fileListings.slice(listed)).toEqual([
        '/api/v4/projects/acme%2Fplatform%2Fapp/merge_requests/7/diffs?per_page=100',
        '/api/v4/projects/acme%2Fplatform%2Fapp/merge_requests/7/diffs?per_page=100&page=2',
      ]);
    });

    it('reads the comparison of the commit before a push with the pushed one', async () => {
      expect(sorted(await read('gitlab', 'acme/platform/app', { from: base, to: head }))).toEqual({ files: CHANGED, cut: undefined });
    });

    it('refuses an unknown merge request with NotFound, and a token GitLab refuses with BadInput', async () => {
      await expect(read('gitlab', 'acme/platform/app', { pullRequest: 8 })).rejects.toThrow(NotFoundError);
      await expect(read('gitlab', 'acme/platform/app', { pullRequest: 7 }, { SLUICE_GITLAB_TOKEN: 'wrong' })).rejects.toThrow(BadInputError);
    });
  });

  it('says which token to set where the host has none', async () => {
    await expect(read('gitlab', 'acme/platform/app', { pullRequest: 7 }, { SLUICE_GITLAB_TOKEN: '' })).rejects.toThrow(
      `Connection ${arn('gitlab')} reaches GitLab, and no GitLab token is configured: set SLUICE_GITLAB_TOKEN.`,
    );
  });
});
