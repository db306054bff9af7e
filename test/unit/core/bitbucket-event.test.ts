import { bitbucketDelivery } from '../../../lib/core/bitbucket-event';
import { BadInputError } from '../../../lib/core/errors';
import { webhookExample } from '../../support/webhook-examples';

type Push = { push: { changes: Record<string, unknown>[] } };
const push = webhookExample<Push & Record<string, unknown>>('bitbucket-repo-push.json');
const pullRequest = webhookExample('bitbucket-pullrequest-created.json');
const [change] = push.push.changes;

describe('bitbucketDelivery', () => {
  it("reads the documentation's push as a push to its branch, pinned to the new commit, with the old one to read the files since", () => {
    expect(bitbucketDelivery('repo:push', push)).toEqual({
      kind: 'git',
      events: [
        {
          kind: 'push',
          repository: 'team_name/repo_name',
          repositoryUrls: ['https://api.bitbucket.org/team_name/repo_name'],
          branch: 'name-of-branch',
          commit: '709d658dc5b6d6afcd46049c2f332ee3f515a67d',
          before: '1e65c05c1d5171631d92438a13901ca7dae9618c',
          changedFiles: undefined,
        },
      ],
    });
  });

  it('reads each ref a push moves as an event of its own, a tag as a tag, and a new ref without a commit before it', () => {
    const tag = { ...change, new: { ...(change!.new as object), type: 'tag', name: 'v1.0' }, old: null };
    const delivery = bitbucketDelivery('repo:push', { ...push, push: { changes: [change, tag] } });

    expect(delivery.kind === 'git' && delivery.events.map((event) => ({ ...event, repositoryUrls: undefined }))).toEqual([
      expect.objectContaining({ branch: 'name-of-branch' }),
      {
        kind: 'push',
        repository: 'team_name/repo_name',
        repositoryUrls: undefined,
        tag: 'v1.0',
        commit: '709d658dc5b6d6afcd46049c2f332ee3f515a67d',
        changedFiles: undefined,
      },
    ]);
  });

  it('ignores a push that only deletes a branch, saying so', () => {
    expect(bitbucketDelivery('repo:push', { ...push, push: { changes: [{ ...change, new: null }] } })).toEqual({
      kind: 'ignored',
      reason: 'the push deletes branch name-of-branch',
    });
  });

  it.each([
    ['pullrequest:created', 'OPEN'],
    ['pullrequest:updated', 'UPDATED'],
    ['pullrequest:fulfilled', 'CLOSED'],
    ['pullrequest:rejected', 'CLOSED'],
  ])('reads %s as a pull request %s from its source branch into its destination, pinned to the source commit', (eventKey, action) => {
    expect(bitbucketDelivery(eventKey, pullRequest)).toEqual({
      kind: 'git',
      events: [
        {
          kind: 'pullRequest',
          repository: 'team_name/repo_name',
          repositoryUrls: ['https://api.bitbucket.org/team_name/repo_name'],
          action,
          number: 1,
          sourceBranch: 'branch2',
          destinationBranch: 'master',
          commit: 'd3022fc0ca3d',
          changedFiles: undefined,
        },
      ],
    });
  });

  it('ignores other events, naming those that start pipelines', () => {
    expect(bitbucketDelivery('repo:fork', push)).toEqual({ kind: 'ignored', reason: expect.stringContaining('event repo:fork starts no pipeline; repo:push') });
  });

  it("refuses a payload that is not Bitbucket's, naming the event", () => {
    expect(() => bitbucketDelivery('repo:push', { hello: 'world' })).toThrow(BadInputError);
    expect(() => bitbucketDelivery('pullrequest:created', push)).toThrow(/pullrequest:created payload is not Bitbucket's/);
  });
});
