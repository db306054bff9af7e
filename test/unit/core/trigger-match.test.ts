import type { ActionDeclaration, PipelineDeclaration, TriggerDeclaration } from '../../../lib/core/declaration';
import { matchTrigger, needsChangedFiles, type GitEvent, type GitPullRequestEvent, type GitPushEvent } from '../../../lib/core/trigger-match';
import { sourceAndBuildStages } from '../../support/declarations';

/**
 * CodePipeline V2 trigger semantics ("Filter triggers on code push or pull requests",
 * https://docs.aws.amazon.com/codepipeline/latest/userguide/pipelines-filter.html).
 */

const REPOSITORY = 'Codertocat/Hello-World';
const URLS = [
  'https://github.com/Codertocat/Hello-World.git',
  'git://github.com/Codertocat/Hello-World.git',
  'git@github.com:Codertocat/Hello-World.git',
  'https://github.com/Codertocat/Hello-World',
];

const connectionSource = (name = 'App', configuration: Record<string, string> = {}): ActionDeclaration => ({
  name,
  actionTypeId: { category: 'Source', owner: 'AWS', provider: 'CodeStarSourceConnection', version: '1' },
  configuration: {
    ConnectionArn: 'arn:aws:codestar-connections:eu-west-1:111122223333:connection/x',
    FullRepositoryId: REPOSITORY,
    BranchName: 'main',
    ...configuration,
  },
  outputArtifacts: [{ name: `${name}Out` }],
});

const gitSource = (RepositoryUrl: string, name = 'Checkout'): ActionDeclaration => ({
  name,
  actionTypeId: { category: 'Source', owner: 'Custom', provider: 'Git', version: '1' },
  configuration: { RepositoryUrl, BranchName: 'main' },
  outputArtifacts: [{ name: `${name}Out` }],
});

function pipeline(sources: ActionDeclaration[], triggers?: TriggerDeclaration['gitConfiguration'][]): PipelineDeclaration {
  return {
    name: 'p',
    pipelineType: 'V2',
    stages: sourceAndBuildStages(sources, `${sources[0]!.name}Out`),
    ...(triggers ? { triggers: triggers.map((gitConfiguration) => ({ providerType: 'CodeStarSourceConnection' as const, gitConfiguration })) } : {}),
  };
}

const push = (overrides: Partial<GitPushEvent> = {}): GitPushEvent => ({
  kind: 'push',
  repository: REPOSITORY,
  repositoryUrls: URLS,
  branch: 'main',
  commit: 'c0ffee',
  changedFiles: ['src/app.ts'],
  ...overrides,
});
const tagPush = (tag: string): GitPushEvent => push({ branch: undefined, tag, changedFiles: [] });
const pullRequest = (overrides: Partial<GitPullRequestEvent> = {}): GitPullRequestEvent => ({
  kind: 'pullRequest',
  repository: REPOSITORY,
  repositoryUrls: URLS,
  number: 7,
  action: 'OPEN',
  sourceBranch: 'feature/x',
  destinationBranch: 'main',
  commit: 'feed',
  changedFiles: undefined,
  ...overrides,
});

type Case = [description: string, pipeline: PipelineDeclaration, event: GitEvent, start: boolean, reason: RegExp];

const onApp = (gitConfiguration: Omit<TriggerDeclaration['gitConfiguration'], 'sourceActionName'>) =>
  pipeline([connectionSource()], [{ sourceActionName: 'App', ...gitConfiguration }]);

const CASES: Case[] = [
  // No triggers: a push to the source action's branch, from its repository.
  ['no triggers, push to BranchName', pipeline([connectionSource()]), push(), true, /branch of source action App/],
  ['no triggers, FullRepositoryId in another case', pipeline([connectionSource('App', { FullRepositoryId: 'codertocat/hello-world' })]), push(), true, /App/],
  ['no triggers, push to another branch', pipeline([connectionSource()]), push({ branch: 'dev' }), false, /branch dev is not main/],
  [
    'no triggers, another repository',
    pipeline([connectionSource('App', { FullRepositoryId: 'octo/other' })]),
    push(),
    false,
    /builds octo\/other, not Codertocat\/Hello-World/,
  ],
  ['no triggers, DetectChanges false', pipeline([connectionSource('App', { DetectChanges: 'false' })]), push(), false, /DetectChanges false/],
  ['no triggers, a tag push', pipeline([connectionSource()]), tagPush('v1'), false, /tag v1 is not a branch/],
  ['no triggers, a pull request', pipeline([connectionSource()]), pullRequest(), false, /no pullRequest trigger/],
  ['no triggers, Custom/Git by clone URL', pipeline([gitSource('https://github.com/codertocat/hello-world.git/')]), push(), true, /Checkout/],
  ['no triggers, Custom/Git by ssh URL', pipeline([gitSource('git@github.com:Codertocat/Hello-World.git')]), push(), true, /Checkout/],
  ['no triggers, Custom/Git by web URL without .git', pipeline([gitSource('https://github.com/Codertocat/Hello-World')]), push(), true, /Checkout/],
  [
    'no triggers, Custom/Git local path against its file:// URL',
    pipeline([gitSource('/srv/repos/app')]),
    push({ repositoryUrls: ['file:///srv/repos/app'] }),
    true,
    /Checkout/,
  ],
  [
    'no triggers, Custom/Git of another host',
    pipeline([gitSource('https://gitlab.com/Codertocat/Hello-World.git')]),
    push(),
    false,
    /none of Codertocat\/Hello-World's URLs/,
  ],
  [
    'no triggers, second source action matches',
    pipeline([gitSource('https://example.com/other.git', 'Other'), connectionSource()]),
    push(),
    true,
    /source action App/,
  ],

  // Push filters: branches.
  ['branches include glob', onApp({ push: [{ branches: { includes: ['release/**'] } }] }), push({ branch: 'release/2024/q1' }), true, /push trigger on App/],
  ['* does not cross /', onApp({ push: [{ branches: { includes: ['release/*'] } }] }), push({ branch: 'release/2024/q1' }), false, /not in includes/],
  [
    'branches exclude wins over include',
    onApp({ push: [{ branches: { includes: ['**'], excludes: ['main'] } }] }),
    push(),
    false,
    /branch main is excluded by "main"/,
  ],
  ['branches excludes only', onApp({ push: [{ branches: { excludes: ['wip/**'] } }] }), push({ branch: 'feature' }), true, /push trigger/],
  ['branches filter on a tag push', onApp({ push: [{ branches: { includes: ['main'] } }] }), tagPush('v1'), false, /tag v1 is not a branch/],
  ['branch filter ignores BranchName', onApp({ push: [{ branches: { includes: ['dev'] } }] }), push({ branch: 'dev' }), true, /push trigger/],

  // Push filters: tags.
  ['tags include', onApp({ push: [{ tags: { includes: ['v*'] } }] }), tagPush('v1.2.0'), true, /push trigger/],
  ['tags exclude wins', onApp({ push: [{ tags: { includes: ['v*'], excludes: ['v*-rc*'] } }] }), tagPush('v2-rc1'), false, /excluded by "v\*-rc\*"/],
  ['tags filter on a branch push', onApp({ push: [{ tags: { includes: ['v*'] } }] }), push(), false, /branch main is not a tag/],

  // Push filters: file paths, with branches.
  [
    'filePaths: one changed file included',
    onApp({ push: [{ branches: { includes: ['main'] }, filePaths: { includes: ['src/**'] } }] }),
    push({ changedFiles: ['README.md', 'src/deep/a.ts'] }),
    true,
    /push trigger/,
  ],
  [
    'filePaths: every changed file excluded',
    onApp({ push: [{ branches: { includes: ['main'] }, filePaths: { excludes: ['**/*.md'] } }] }),
    push({ changedFiles: ['README.md', 'docs/x.md'] }),
    false,
    /no changed file passes filePaths/,
  ],
  [
    'filePaths: exclude wins for the same file',
    onApp({ push: [{ filePaths: { includes: ['docs/**'], excludes: ['**/*.md'] } }] }),
    push({ changedFiles: ['docs/x.md'] }),
    false,
    /no changed file/,
  ],
  [
    'filePaths: dot files match',
    onApp({ push: [{ filePaths: { includes: ['**/*.yml'] } }] }),
    push({ changedFiles: ['.github/workflows/ci.yml'] }),
    true,
    /push trigger/,
  ],
  [
    'filePaths: branch passes, files do not',
    onApp({ push: [{ branches: { includes: ['main'] }, filePaths: { includes: ['src/**'] } }] }),
    push({ changedFiles: ['docs/a.md'] }),
    false,
    /no changed file/,
  ],
  ['filePaths: no files changed', onApp({ push: [{ filePaths: { includes: ['**'] } }] }), push({ changedFiles: [] }), false, /changed no files/],
  ['filePaths: changed files unknown', onApp({ push: [{ filePaths: { includes: ['**'] } }] }), push({ changedFiles: undefined }), false, /unknown/],

  // Several push filters: any one may match; reasons of all are kept.
  [
    'second push filter matches',
    onApp({ push: [{ branches: { includes: ['main'] }, filePaths: { includes: ['src/**'] } }, { tags: { includes: ['v*'] } }] }),
    tagPush('v3'),
    true,
    /push trigger/,
  ],
  [
    'no push filter matches',
    onApp({ push: [{ branches: { includes: ['dev'] } }, { tags: { includes: ['v*'] } }] }),
    push(),
    false,
    /branch main is not in includes \(dev\); branch main is not a tag/,
  ],
  ['push only trigger, pull request event', onApp({ push: [{ branches: { includes: ['main'] } }] }), pullRequest(), false, /no pullRequest filters/],

  // Pull request filters: events, destination branch, file paths.
  [
    'pull request, events default to all',
    onApp({ pullRequest: [{ branches: { includes: ['main'] } }] }),
    pullRequest({ action: 'CLOSED' }),
    true,
    /pullRequest trigger on App/,
  ],
  [
    'pull request event not listed',
    onApp({ pullRequest: [{ events: ['OPEN', 'UPDATED'] }] }),
    pullRequest({ action: 'CLOSED' }),
    false,
    /CLOSED is not in events \(OPEN, UPDATED\)/,
  ],
  [
    'pull request branches are the destination',
    onApp({ pullRequest: [{ branches: { includes: ['feature/**'] } }] }),
    pullRequest(),
    false,
    /destination branch main is not in includes/,
  ],
  [
    'pull request destination excluded',
    onApp({ pullRequest: [{ branches: { excludes: ['main'] } }] }),
    pullRequest(),
    false,
    /destination branch main is excluded/,
  ],
  ['pull request filePaths, files unknown', onApp({ pullRequest: [{ filePaths: { includes: ['**'] } }] }), pullRequest(), false, /unknown/],
  [
    'pull request filePaths, one read file included',
    onApp({ pullRequest: [{ branches: { includes: ['main'] }, filePaths: { includes: ['src/**'] } }] }),
    pullRequest({ changedFiles: ['docs/a.md', 'src/app.ts'] }),
    true,
    /pullRequest trigger on App/,
  ],
  [
    'pull request filePaths, no read file included',
    onApp({ pullRequest: [{ filePaths: { includes: ['src/**'] } }] }),
    pullRequest({ changedFiles: ['docs/a.md'] }),
    false,
    /no changed file passes filePaths \(docs\/a.md\)/,
  ],
  [
    'pull request filePaths, files cut and a listed one included',
    onApp({ pullRequest: [{ filePaths: { includes: ['src/**'] } }] }),
    pullRequest({ changedFiles: ['docs/a.md', 'src/app.ts'], changedFilesCut: 'GitHub lists only the first 3000 files of a pull request' }),
    true,
    /pullRequest trigger/,
  ],
  [
    'pull request filePaths, files cut and none listed included',
    onApp({ pullRequest: [{ filePaths: { includes: ['src/**'] } }] }),
    pullRequest({ changedFiles: ['docs/a.md'], changedFilesCut: 'GitHub lists only the first 3000 files of a pull request' }),
    false,
    /no listed changed file passes filePaths, and GitHub lists only the first 3000 files/,
  ],
  ['pull request only trigger, push event', onApp({ pullRequest: [{ events: ['OPEN'] }] }), push(), false, /no push filters/],

  // Triggers and their source action.
  ['trigger without filters: push to BranchName', onApp({}), push(), true, /push trigger on App/],
  ['trigger without filters: other branch', onApp({}), push({ branch: 'dev' }), false, /branch dev is not main/],
  [
    'trigger on another repository',
    pipeline([connectionSource('App', { FullRepositoryId: 'octo/other' })], [{ sourceActionName: 'App', push: [{ branches: { includes: ['**'] } }] }]),
    push(),
    false,
    /builds octo\/other/,
  ],
  ['trigger names a missing action', pipeline([connectionSource()], [{ sourceActionName: 'Nope', push: [{}] }]), push(), false, /Nope is not a source action/],
  [
    'second trigger pins its own action',
    pipeline(
      [gitSource('https://example.com/other.git', 'Other'), connectionSource()],
      [
        { sourceActionName: 'Other', push: [{}] },
        { sourceActionName: 'App', push: [{}] },
      ],
    ),
    push(),
    true,
    /on App/,
  ],
  ['with triggers, BranchName alone does not start', onApp({ push: [{ tags: { includes: ['v*'] } }] }), push(), false, /not a tag/],
];

describe('needsChangedFiles', () => {
  const onSrc = (filter: Record<string, unknown> = {}) => onApp({ pullRequest: [{ filePaths: { includes: ['src/**'] }, ...filter }] });

  it.each<[string, PipelineDeclaration, GitEvent, boolean]>([
    ['a filePaths filter on the repository', onSrc(), pullRequest(), true],
    ['a filePaths filter whose events the pull request fails', onSrc({ events: ['CLOSED'] }), pullRequest(), false],
    ['a filePaths filter whose destination branches the pull request fails', onSrc({ branches: { includes: ['release'] } }), pullRequest(), false],
    ['a pull request filter without filePaths', onApp({ pullRequest: [{ events: ['OPEN'] }] }), pullRequest(), false],
    ['a pull request whose files are known', onSrc(), pullRequest({ changedFiles: ['src/a.ts'] }), false],
    ['a push whose files are listed', onApp({ push: [{ filePaths: { includes: ['src/**'] } }] }), push(), false],
    [
      'a push with a commit before it and no files listed',
      onApp({ push: [{ filePaths: { includes: ['src/**'] } }] }),
      push({ changedFiles: undefined, before: 'a'.repeat(40) }),
      true,
    ],
    [
      'a push whose branch fails the filePaths filter',
      onApp({ push: [{ branches: { includes: ['release'] }, filePaths: { includes: ['src/**'] } }] }),
      push({ changedFiles: undefined, before: 'a'.repeat(40) }),
      false,
    ],
    ['a push without files or a commit before it', onApp({ push: [{ filePaths: { includes: ['src/**'] } }] }), push({ changedFiles: undefined }), false],
    [
      'a filePaths filter on another repository',
      pipeline(
        [connectionSource('App', { FullRepositoryId: 'octo/other' })],
        [{ sourceActionName: 'App', pullRequest: [{ filePaths: { includes: ['**'] } }] }],
      ),
      pullRequest(),
      false,
    ],
    ['a pipeline without triggers', pipeline([connectionSource()]), pullRequest(), false],
  ])('%s: %s', (_, declaration, event, needed) => {
    expect(needsChangedFiles(declaration, event)).toBe(needed);
  });
});

describe('matchTrigger', () => {
  it.each(CASES)('%s', (_, declaration, event, start, reason) => {
    const decision = matchTrigger(declaration, event);
    expect(decision.reason).toMatch(reason);
    expect(decision.start).toBe(start);
    if (start) expect(decision.sourceActionName).toEqual(expect.any(String));
    else expect(decision.sourceActionName).toBeUndefined();
  });

  it('pins the action the matching trigger names', () => {
    const declaration = pipeline(
      [gitSource('https://example.com/other.git', 'Other'), connectionSource()],
      [
        { sourceActionName: 'Other', push: [{}] },
        { sourceActionName: 'App', push: [{}] },
      ],
    );
    expect(matchTrigger(declaration, push())).toEqual({
      start: true,
      sourceActionName: 'App',
      reason: 'a push trigger on App matched',
      fromSourceRepository: true,
    });
  });
});
