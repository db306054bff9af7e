import { BadInputError } from '../../../lib/core/errors';
import { gitLabDelivery } from '../../../lib/core/gitlab-event';
import { webhookExample } from '../../support/webhook-examples';

const push = webhookExample('gitlab-push-hook.json');
const tagPush = webhookExample('gitlab-tag-push-hook.json');
const mergeRequest = webhookExample<{ object_attributes: Record<string, unknown> } & Record<string, unknown>>('gitlab-merge-request-hook.json');
const withAction = (action: string, extra: Record<string, unknown> = {}) => ({
  ...mergeRequest,
  object_attributes: { ...mergeRequest.object_attributes, action, ...extra },
});
const PROJECT_URLS = ['http://example.com/mike/diaspora.git', 'git@example.com:mike/diaspora.git', 'http://example.com/mike/diaspora'];

describe('gitLabDelivery', () => {
  it("reads the documentation's push, which lists 2 of its 4 commits, as a push whose files are read since its before", () => {
    expect(gitLabDelivery('Push Hook', push)).toEqual({
      kind: 'git',
      events: [
        {
          kind: 'push',
          repository: 'mike/diaspora',
          repositoryUrls: PROJECT_URLS,
          branch: 'master',
          commit: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
          changedFiles: undefined,
          before: '95790bf891e76fee5e1747ab589903a6a1f80f22',
        },
      ],
    });
  });

  it('collects the added, modified and removed files of a push that lists all its commits', () => {
    const delivery = gitLabDelivery('Push Hook', { ...push, total_commits_count: 2 });
    expect(delivery).toMatchObject({ kind: 'git', events: [{ changedFiles: ['CHANGELOG', 'app/controller/application.rb'] }] });
    expect(delivery.kind === 'git' && delivery.events[0]!.kind === 'push' && delivery.events[0]!.before).toBeUndefined();
  });

  it('reads a tag push as a tag, and ignores a push that deletes its ref', () => {
    expect(gitLabDelivery('Tag Push Hook', tagPush)).toMatchObject({
      kind: 'git',
      events: [{ kind: 'push', repository: 'jsmith/example', tag: 'v1.0.0', commit: '82b3d5ae55f7080f1e6022629cdb57bfae7cccc7', changedFiles: [] }],
    });
    expect(gitLabDelivery('Push Hook', { ...push, after: '0'.repeat(40) })).toEqual({ kind: 'ignored', reason: 'the push deletes refs/heads/master' });
  });

  it.each([
    ['open', {}, 'OPEN'],
    ['reopen', {}, 'OPEN'],
    ['update', { oldrev: 'a'.repeat(40) }, 'UPDATED'],
    ['close', {}, 'CLOSED'],
    ['merge', {}, 'CLOSED'],
  ])('reads a merge request %s as %s, from its source branch into its target, pinned to its last commit', (action, extra, mapped) => {
    expect(gitLabDelivery('Merge Request Hook', withAction(action, extra))).toEqual({
      kind: 'git',
      events: [
        {
          kind: 'pullRequest',
          repository: 'gitlabhq/gitlab-test',
          repositoryUrls: [
            'http://example.com/gitlabhq/gitlab-test.git',
            'git@example.com:gitlabhq/gitlab-test.git',
            'http://example.com/gitlabhq/gitlab-test',
          ],
          action: mapped,
          number: 1,
          sourceBranch: 'ms-viewport',
          destinationBranch: 'master',
          commit: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
          changedFiles: undefined,
        },
      ],
    });
  });

  it('ignores an update that pushed no commits, and actions that start nothing', () => {
    expect(gitLabDelivery('Merge Request Hook', withAction('update'))).toEqual({ kind: 'ignored', reason: 'the merge request update pushed no commits' });
    expect(gitLabDelivery('Merge Request Hook', withAction('approved'))).toEqual({
      kind: 'ignored',
      reason: expect.stringContaining('merge request action approved starts no pipeline'),
    });
    expect(gitLabDelivery('Issue Hook', push)).toEqual({ kind: 'ignored', reason: expect.stringContaining('event Issue Hook starts no pipeline') });
  });

  it("refuses a payload that is not GitLab's, naming the event", () => {
    expect(() => gitLabDelivery('Push Hook', { hello: 'world' })).toThrow(BadInputError);
    expect(() => gitLabDelivery('Merge Request Hook', push)).toThrow(/Merge Request Hook payload is not GitLab's/);
  });
});
