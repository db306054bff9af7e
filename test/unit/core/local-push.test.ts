import type { PipelineDeclaration } from '../../../lib/core/declaration';
import { gitHubDelivery } from '../../../lib/core/github-event';
import { localPushPayload, type LocalCommit } from '../../../lib/core/local-push';
import { matchTrigger } from '../../../lib/core/trigger-match';
import { gitCheckoutAction } from '../../support/declarations';
import { pipelineRecord } from '../../support/trigger-dependencies';

const commit: LocalCommit = {
  repositoryDir: '/home/me/app',
  branch: 'main',
  sha: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
  parent: undefined,
  message: 'first commit',
  author: { name: 'Me', email: 'me@example.com' },
  timestamp: '2025-01-01T00:00:00+00:00',
  added: ['app.txt'],
  modified: [],
  removed: [],
};

/** `app`: a Custom/Git source on `repositoryUrl`, then a build. */
const pipeline = (repositoryUrl: string): PipelineDeclaration => pipelineRecord('app', gitCheckoutAction(repositoryUrl)).declaration;

describe('localPushPayload', () => {
  it("is a GitHub push of the commit to its branch, from the repository's file:// URL", () => {
    const delivery = gitHubDelivery('push', localPushPayload(commit));

    expect(delivery).toEqual({
      kind: 'git',
      events: [
        { kind: 'push', repository: 'local/app', repositoryUrls: ['file:///home/me/app'], branch: 'main', commit: commit.sha, changedFiles: ['app.txt'] },
      ],
    });
  });

  it("starts a Custom/Git pipeline whose RepositoryUrl is the repository's path, and no other", () => {
    const delivery = gitHubDelivery('push', localPushPayload({ ...commit, parent: 'a'.repeat(40), added: [], modified: ['app.txt'] }));
    if (delivery.kind !== 'git') throw new Error('not a git event');

    expect(matchTrigger(pipeline('/home/me/app'), delivery.events[0]!).start).toBe(true);
    expect(matchTrigger(pipeline('/home/me/other'), delivery.events[0]!).start).toBe(false);
  });
});
