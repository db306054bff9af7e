import examples from '@octokit/webhooks-examples';
import { BadInputError } from '../../../lib/core/errors';
import { gitHubDelivery } from '../../../lib/core/github-event';
import { webhookCommit, webhookTriggerDetail } from '../../../lib/core/webhook-delivery';

/** GitHub's own example payloads, as @octokit/webhooks-examples ships them. */
function examplesOf(name: string): Record<string, unknown>[] {
  const definition = examples.find((candidate) => candidate.name === name);
  if (!definition) throw new Error(`@octokit/webhooks-examples has no ${name} examples`);
  return definition.examples as unknown as Record<string, unknown>[];
}

const pushes = examplesOf('push');
const pullRequests = examplesOf('pull_request');
const pullRequestWith = (action: string) => pullRequests.find((payload) => payload.action === action)!;

describe('gitHubDelivery', () => {
  it('answers every ping example', () => {
    for (const payload of examplesOf('ping')) expect(gitHubDelivery('ping', payload)).toEqual({ kind: 'ping' });
  });

  it('reads a branch push with the files its commits touched', () => {
    const payload = pushes.find((example) => example.ref === 'refs/heads/master')!;
    expect(gitHubDelivery('push', payload)).toEqual({
      kind: 'git',
      events: [
        {
          kind: 'push',
          repository: 'Codertocat/Hello-World',
          repositoryUrls: expect.arrayContaining([
            'https://github.com/Codertocat/Hello-World.git',
            'git@github.com:Codertocat/Hello-World.git',
            'https://github.com/Codertocat/Hello-World',
          ]),
          branch: 'master',
          commit: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
          changedFiles: ['README.md'],
        },
      ],
    });
  });

  it('collects added, modified and removed files of every commit once', () => {
    const payload = pushes.find((example) => example.ref === 'refs/heads/master')!;
    const commits = [
      { added: ['a.txt'], modified: ['README.md'], removed: [] },
      { added: [], modified: ['README.md', 'src/x.ts'], removed: ['old.txt'] },
    ];
    const delivery = gitHubDelivery('push', { ...payload, commits });
    expect(delivery.kind === 'git' && delivery.events[0]!.changedFiles).toEqual(['a.txt', 'README.md', 'src/x.ts', 'old.txt']);
  });

  it('reads a tag push as a tag, without a branch', () => {
    const payload = pushes.find((example) => example.ref === 'refs/tags/simple-tag' && example.deleted === false)!;
    const delivery = gitHubDelivery('push', payload);
    expect(delivery).toMatchObject({
      kind: 'git',
      events: [{ kind: 'push', tag: 'simple-tag', commit: '6113728f27ae82c7b1a177c8d03f9e96e0adf246', changedFiles: [] }],
    });
    expect(delivery.kind === 'git' && delivery.events[0]!.kind === 'push' && delivery.events[0]!.branch).toBeUndefined();
  });

  it('ignores a push that deletes a ref, as every deleting example does', () => {
    const deleting = pushes.filter((example) => example.deleted === true);
    expect(deleting.length).toBeGreaterThan(0);
    for (const payload of deleting) expect(gitHubDelivery('push', payload)).toEqual({ kind: 'ignored', reason: 'the push deletes refs/tags/simple-tag' });
  });

  it("treats the files of a push at GitHub's commit limit as unknown", () => {
    const payload = pushes.find((example) => example.ref === 'refs/heads/master')!;
    const commits = Array.from({ length: 2048 }, () => ({ added: [], modified: ['x'], removed: [] }));
    expect(gitHubDelivery('push', { ...payload, commits })).toMatchObject({ kind: 'git', events: [{ changedFiles: undefined }] });
  });

  it.each([
    ['opened', 'OPEN'],
    ['reopened', 'OPEN'],
    ['synchronize', 'UPDATED'],
    ['closed', 'CLOSED'],
  ])("reads pull_request %s as %s, from the source branch's head, with unknown files", (action, mapped) => {
    const payload = pullRequestWith(action);
    expect(gitHubDelivery('pull_request', payload)).toEqual({
      kind: 'git',
      events: [
        {
          kind: 'pullRequest',
          repository: 'Codertocat/Hello-World',
          repositoryUrls: expect.arrayContaining(['https://github.com/Codertocat/Hello-World.git']),
          action: mapped,
          number: (payload.pull_request as { number: number }).number,
          sourceBranch: 'changes',
          destinationBranch: 'master',
          commit: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
          changedFiles: undefined,
        },
      ],
    });
  });

  it('ignores the other pull_request actions of the examples', () => {
    const others = pullRequests.filter((payload) => !['opened', 'reopened', 'synchronize', 'closed'].includes(payload.action as string));
    expect(others.length).toBeGreaterThan(10);
    for (const payload of others)
      expect(gitHubDelivery('pull_request', payload)).toMatchObject({
        kind: 'ignored',
        reason: expect.stringContaining(`${payload.action as string} starts no pipeline`),
      });
  });

  it('ignores events other than push and pull_request', () => {
    expect(gitHubDelivery('issues', examplesOf('issues')[0])).toEqual({ kind: 'ignored', reason: 'event issues starts no pipeline' });
    expect(gitHubDelivery('', {})).toEqual({ kind: 'ignored', reason: 'event (none) starts no pipeline' });
  });

  it("refuses a push or pull_request payload that is not GitHub's", () => {
    expect(() => gitHubDelivery('push', { hello: 'world' })).toThrow(BadInputError);
    expect(() => gitHubDelivery('push', pullRequestWith('opened'))).toThrow(/push payload is not GitHub's/);
    expect(() => gitHubDelivery('pull_request', pushes[0])).toThrow(/pull_request payload is not GitHub's/);
  });
});

describe('webhook trigger details', () => {
  it('give back the repository and commit they were written with', () => {
    const detail = webhookTriggerDetail('GitHub', 'octo/app', '6113728f27ae82c7b1a177c8d03f9e96e0adf246', 'a1b2-c3');

    expect(detail).toBe('octo/app@6113728f27ae82c7b1a177c8d03f9e96e0adf246 (GitHub delivery a1b2-c3)');
    expect(webhookCommit(detail)).toEqual({ repository: 'octo/app', sha: '6113728f27ae82c7b1a177c8d03f9e96e0adf246' });
    expect(webhookCommit(webhookTriggerDetail('GitLab', 'group/sub/app', 'b'.repeat(40), 'uuid-1'))).toEqual({
      repository: 'group/sub/app',
      sha: 'b'.repeat(40),
    });
  });

  it("give nothing back for another trigger's detail", () => {
    expect(webhookCommit('arn:aws:iam::123456789012:user/me')).toBeUndefined();
  });
});
