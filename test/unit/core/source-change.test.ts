import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ActionDeclaration, PipelineDeclaration } from '../../../lib/core/declaration';
import { BadInputError } from '../../../lib/core/errors';
import { providerCatalog } from '../../../lib/actions/registry';
import {
  matchSourceChange,
  pollForSourceChangesProblems,
  polledSourceActions,
  sourceChangeTriggerDetail,
  sourceEventOf,
  type SourceChange,
} from '../../../lib/core/source-change';
import { sourceAndBuildStages } from '../../support/declarations';
import { ROOT } from '../../support/fixtures';

/** AWS's sample events (test/fixtures/events/README.md says where each comes from). */
const sample = (name: string): Record<string, any> => JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/events', name), 'utf8'));

const referenceCreated = sample('codecommit-reference-created.json');
const referenceUpdated = sample('codecommit-reference-updated.json');
const referenceDeleted = sample('codecommit-reference-deleted.json');
const objectCreated = sample('s3-object-created.json');
const imagePush = sample('ecr-image-push.json');
const DIGEST = 'sha256:7f5b2640fe6fb4f46592dfd3410c4a79dac4f89e4782432e0378abcd1234';

const withDetail = (event: Record<string, any>, detail: Record<string, unknown>) => ({ ...event, detail: { ...event.detail, ...detail } });
const withObject = (object: Record<string, unknown>) => withDetail(objectCreated, { object: { ...objectCreated.detail.object, ...object } });

describe('sourceEventOf', () => {
  it.each<[string, unknown, SourceChange]>([
    [
      'referenceCreated',
      referenceCreated,
      {
        kind: 'CodeCommit',
        eventId: '01234567-EXAMPLE',
        resource: 'arn:aws:codecommit:us-east-2:123456789012:MyDemoRepo',
        repositoryName: 'MyDemoRepo',
        branch: 'myBranch',
        commitId: '3e5983DESTINATION',
      },
    ],
    [
      'referenceUpdated by a merge',
      referenceUpdated,
      {
        kind: 'CodeCommit',
        eventId: '01234567-EXAMPLE',
        resource: 'arn:aws:codecommit:us-east-2:123456789012:MyDemoRepo',
        repositoryName: 'MyDemoRepo',
        branch: 'myBranch',
        commitId: '7f0103fMERGE',
      },
    ],
    [
      'Object Created in a versioned bucket',
      objectCreated,
      {
        kind: 'S3',
        eventId: '17793124-05d4-b198-2fde-7ededc63b103',
        resource: 'arn:aws:s3:::amzn-s3-demo-bucket1',
        bucket: 'amzn-s3-demo-bucket1',
        key: 'example-key',
        versionId: 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e',
      },
    ],
    [
      'Object Created in an unversioned bucket',
      withObject({ 'version-id': undefined }),
      {
        kind: 'S3',
        eventId: '17793124-05d4-b198-2fde-7ededc63b103',
        resource: 'arn:aws:s3:::amzn-s3-demo-bucket1',
        bucket: 'amzn-s3-demo-bucket1',
        key: 'example-key',
      },
    ],
    ['Object Created without resources', { ...objectCreated, resources: [] }, expect.objectContaining({ resource: 'arn:aws:s3:::amzn-s3-demo-bucket1' })],
    [
      'an ECR image push, whose repository ARN is made from its account and region',
      imagePush,
      {
        kind: 'ECR',
        eventId: '13cde686-328b-6117-af20-0e5566167482',
        resource: 'arn:aws:ecr:us-west-2:123456789012:repository/my-repository-name',
        repositoryName: 'my-repository-name',
        imageTag: 'latest',
        imageDigest: DIGEST,
      },
    ],
    [
      'an ECR image push without an account',
      { ...imagePush, account: undefined },
      expect.objectContaining({ kind: 'ECR', resource: 'my-repository-name', imageDigest: DIGEST }),
    ],
  ])('reads %s as a change', (_description, event, change) => {
    expect(sourceEventOf(event)).toEqual({ kind: 'change', change });
  });

  it.each<[string, unknown, RegExp]>([
    ['referenceDeleted', referenceDeleted, /referenceDeleted starts no pipeline/],
    ['a tag', withDetail(referenceCreated, { referenceType: 'tag', referenceName: 'v1', referenceFullName: 'refs/tags/v1' }), /a tag is not a branch/],
    ['an ECR image deletion', withDetail(imagePush, { 'action-type': 'DELETE' }), /^ECR image action DELETE starts no pipeline; only PUSH does$/],
    ['a failed ECR push', withDetail(imagePush, { result: 'FAILURE' }), /^an ECR push whose result is FAILURE starts no pipeline; only SUCCESS does$/],
    [
      'an ECR push without a tag',
      withDetail(imagePush, { 'image-tag': undefined }),
      /^the image sha256:7f5b.* pushed to my-repository-name has no tag, and ECR sources follow a tag$/,
    ],
  ])('ignores %s, saying why', (_description, event, reason) => {
    expect(sourceEventOf(event)).toEqual({ kind: 'ignored', reason: expect.stringMatching(reason) });
  });

  it.each<[string, unknown, RegExp]>([
    ['no object', 'referenceCreated', /source change event is malformed/],
    ['no id', { ...objectCreated, id: undefined }, /malformed: .*id/],
    ['another detail-type', { ...objectCreated, 'detail-type': 'Object Deleted' }, /aws\.s3 of detail-type "Object Deleted" is no source change/],
    ['another source', { ...referenceCreated, source: 'aws.codebuild' }, /aws\.codebuild .* is no source change/],
    [
      'a CodeCommit event without a commit',
      withDetail(referenceCreated, { commitId: undefined }),
      /CodeCommit Repository State Change event is malformed: .*commitId/,
    ],
    ['a CodeCommit event without a repository', withDetail(referenceUpdated, { repositoryName: '' }), /malformed: .*repositoryName/],
    ['an S3 event without a key', withObject({ key: undefined }), /Object Created event is malformed: .*key/],
    ['an S3 event without a bucket', withDetail(objectCreated, { bucket: {} }), /malformed: .*bucket\.name/],
    ['an ECR event without an action type', withDetail(imagePush, { 'action-type': undefined }), /ECR Image Action event is malformed: .*action-type/],
    ['an ECR push without a digest', withDetail(imagePush, { 'image-digest': undefined }), /ECR Image Action event is malformed: .*image-digest/],
    ['an ECR push without a repository', withDetail(imagePush, { 'repository-name': '' }), /malformed: .*repository-name/],
    ['another ECR detail-type', { ...imagePush, 'detail-type': 'ECR Image Scan' }, /aws\.ecr of detail-type "ECR Image Scan" is no source change/],
  ])('refuses %s as BadInput, saying what is wrong', (_description, event, message) => {
    expect(() => sourceEventOf(event)).toThrow(BadInputError);
    expect(() => sourceEventOf(event)).toThrow(message);
  });
});

const codeCommitSource = (name: string, RepositoryName: string, BranchName: string): ActionDeclaration => ({
  name,
  actionTypeId: { category: 'Source', owner: 'AWS', provider: 'CodeCommit', version: '1' },
  configuration: { RepositoryName, BranchName, PollForSourceChanges: 'false' },
  outputArtifacts: [{ name: `${name}Out` }],
});

const s3Source = (name: string, S3Bucket: string, S3ObjectKey: string, configuration: Record<string, string> = {}): ActionDeclaration => ({
  name,
  actionTypeId: { category: 'Source', owner: 'AWS', provider: 'S3', version: '1' },
  configuration: { S3Bucket, S3ObjectKey, ...configuration },
  outputArtifacts: [{ name: `${name}Out` }],
});

const ecrSource = (name: string, configuration: Record<string, string>): ActionDeclaration => ({
  name,
  actionTypeId: { category: 'Source', owner: 'AWS', provider: 'ECR', version: '1' },
  configuration,
  outputArtifacts: [{ name: `${name}Out` }],
});

const connectionSource: ActionDeclaration = {
  name: 'App',
  actionTypeId: { category: 'Source', owner: 'AWS', provider: 'CodeStarSourceConnection', version: '1' },
  configuration: { ConnectionArn: 'arn:aws:codestar-connections:us-east-2:123456789012:connection/x', FullRepositoryId: 'MyDemoRepo', BranchName: 'myBranch' },
  outputArtifacts: [{ name: 'AppOut' }],
};

function pipeline(sources: ActionDeclaration[], extra: Partial<PipelineDeclaration> = {}): PipelineDeclaration {
  return {
    name: 'p',
    stages: sourceAndBuildStages(sources, `${sources[0]!.name}Out`),
    ...extra,
  };
}

const change = (event: unknown): SourceChange => {
  const meaning = sourceEventOf(event);
  if (meaning.kind !== 'change') throw new Error(meaning.reason);
  return meaning.change;
};

const branchChange = change(referenceUpdated);
const versionedObject = change(objectCreated);
const unversionedObject = change(withObject({ 'version-id': undefined }));
const latestPushed = change(imagePush);
const stablePushed = change(withDetail(imagePush, { 'image-tag': 'stable' }));

/** V2 triggers govern CodeStarSourceConnection sources only; they cannot turn an event rule off. */
const pushTriggerOnApp: Partial<PipelineDeclaration> = {
  pipelineType: 'V2',
  triggers: [{ providerType: 'CodeStarSourceConnection', gitConfiguration: { sourceActionName: 'App', push: [{ branches: { includes: ['release/*'] } }] } }],
};

describe('matchSourceChange', () => {
  it.each<[string, PipelineDeclaration, SourceChange, { actionName: string; revisionType: string; revisionValue: string }]>([
    [
      'CodeCommit: the repository and branch',
      pipeline([codeCommitSource('Src', 'MyDemoRepo', 'myBranch')]),
      branchChange,
      { actionName: 'Src', revisionType: 'COMMIT_ID', revisionValue: '7f0103fMERGE' },
    ],
    [
      'CodeCommit: the second of two sources',
      pipeline([codeCommitSource('Lib', 'Other', 'myBranch'), codeCommitSource('Src', 'MyDemoRepo', 'myBranch')]),
      branchChange,
      { actionName: 'Src', revisionType: 'COMMIT_ID', revisionValue: '7f0103fMERGE' },
    ],
    [
      'CodeCommit: PollForSourceChanges false',
      pipeline([codeCommitSource('Src', 'MyDemoRepo', 'myBranch')]),
      branchChange,
      { actionName: 'Src', revisionType: 'COMMIT_ID', revisionValue: '7f0103fMERGE' },
    ],
    [
      'CodeCommit: a V2 pipeline whose triggers are on another source',
      pipeline([connectionSource, codeCommitSource('Src', 'MyDemoRepo', 'myBranch')], pushTriggerOnApp),
      branchChange,
      { actionName: 'Src', revisionType: 'COMMIT_ID', revisionValue: '7f0103fMERGE' },
    ],
    [
      'S3: the bucket and key, pinned to the version',
      pipeline([s3Source('Fetch', 'amzn-s3-demo-bucket1', 'example-key')]),
      versionedObject,
      { actionName: 'Fetch', revisionType: 'S3_OBJECT_VERSION_ID', revisionValue: 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e' },
    ],
    [
      'S3: an unversioned bucket, pinned to the key',
      pipeline([s3Source('Fetch', 'amzn-s3-demo-bucket1', 'example-key')]),
      unversionedObject,
      { actionName: 'Fetch', revisionType: 'S3_OBJECT_KEY', revisionValue: 'example-key' },
    ],
    [
      'S3: PollForSourceChanges left out, as the console sets up an event rule',
      pipeline([s3Source('Fetch', 'amzn-s3-demo-bucket1', 'example-key')]),
      versionedObject,
      { actionName: 'Fetch', revisionType: 'S3_OBJECT_VERSION_ID', revisionValue: 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e' },
    ],
    [
      'S3: the event-driven one of two sources on the key, the other polled',
      pipeline([
        s3Source('Polled', 'amzn-s3-demo-bucket1', 'example-key', { PollForSourceChanges: 'true' }),
        s3Source('Fetch', 'amzn-s3-demo-bucket1', 'example-key', { PollForSourceChanges: 'false' }),
      ]),
      versionedObject,
      { actionName: 'Fetch', revisionType: 'S3_OBJECT_VERSION_ID', revisionValue: 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e' },
    ],
    [
      'ECR: the repository, and latest when no ImageTag is given, pinned to the digest',
      pipeline([ecrSource('Image', { RepositoryName: 'my-repository-name' })]),
      latestPushed,
      { actionName: 'Image', revisionType: 'IMAGE_DIGEST', revisionValue: DIGEST },
    ],
    [
      'ECR: the repository and ImageTag',
      pipeline([
        ecrSource('Latest', { RepositoryName: 'my-repository-name' }),
        ecrSource('Image', { RepositoryName: 'my-repository-name', ImageTag: 'stable' }),
      ]),
      stablePushed,
      { actionName: 'Image', revisionType: 'IMAGE_DIGEST', revisionValue: DIGEST },
    ],
  ])('starts on %s', (_description, declaration, sourceChange, revision) => {
    expect(matchSourceChange(declaration, sourceChange, providerCatalog)).toEqual({
      start: true,
      revision,
      reason: `a change to what source action ${revision.actionName} reads`,
    });
  });

  it.each<[string, PipelineDeclaration, SourceChange, string]>([
    [
      'CodeCommit: another branch',
      pipeline([codeCommitSource('Src', 'MyDemoRepo', 'main')]),
      branchChange,
      'branch myBranch is not main, the branch of source action Src',
    ],
    [
      'CodeCommit: another repository',
      pipeline([codeCommitSource('Src', 'Other', 'myBranch')]),
      branchChange,
      'source action Src builds repository Other, not MyDemoRepo',
    ],
    [
      'CodeCommit: the repository name in another case',
      pipeline([codeCommitSource('Src', 'mydemorepo', 'myBranch')]),
      branchChange,
      'source action Src builds repository mydemorepo, not MyDemoRepo',
    ],
    [
      'CodeCommit: no CodeCommit source, only a connection to a same-named repository',
      pipeline([connectionSource]),
      branchChange,
      'the pipeline has no CodeCommit source action',
    ],
    ['CodeCommit: an S3 source', pipeline([s3Source('Fetch', 'MyDemoRepo', 'myBranch')]), branchChange, 'the pipeline has no CodeCommit source action'],
    [
      'S3: another key',
      pipeline([s3Source('Fetch', 'amzn-s3-demo-bucket1', 'releases/app.zip')]),
      versionedObject,
      'source action Fetch reads s3://amzn-s3-demo-bucket1/releases/app.zip, not s3://amzn-s3-demo-bucket1/example-key',
    ],
    [
      'S3: another bucket',
      pipeline([s3Source('Fetch', 'other-bucket', 'example-key')]),
      versionedObject,
      'source action Fetch reads s3://other-bucket/example-key, not s3://amzn-s3-demo-bucket1/example-key',
    ],
    [
      'S3: a key prefix of the changed one',
      pipeline([s3Source('Fetch', 'amzn-s3-demo-bucket1', 'example')]),
      versionedObject,
      'source action Fetch reads s3://amzn-s3-demo-bucket1/example, not s3://amzn-s3-demo-bucket1/example-key',
    ],
    [
      'CodeCommit: PollForSourceChanges true, which is polled rather than started by events',
      pipeline([
        {
          ...codeCommitSource('Src', 'MyDemoRepo', 'myBranch'),
          configuration: { RepositoryName: 'MyDemoRepo', BranchName: 'myBranch', PollForSourceChanges: 'true' },
        },
      ]),
      branchChange,
      'source action Src has PollForSourceChanges true: it is polled, and no event starts it',
    ],
    [
      'S3: PollForSourceChanges true',
      pipeline([s3Source('Fetch', 'amzn-s3-demo-bucket1', 'example-key', { PollForSourceChanges: 'true' })]),
      versionedObject,
      'source action Fetch has PollForSourceChanges true: it is polled, and no event starts it',
    ],
    [
      'S3: a CodeCommit source',
      pipeline([codeCommitSource('Src', 'amzn-s3-demo-bucket1', 'example-key')]),
      versionedObject,
      'the pipeline has no S3 source action',
    ],
    [
      'ECR: another tag',
      pipeline([ecrSource('Image', { RepositoryName: 'my-repository-name', ImageTag: 'stable' })]),
      latestPushed,
      'image tag latest is not stable, the tag of source action Image',
    ],
    [
      'ECR: a tag pushed where no ImageTag means latest',
      pipeline([ecrSource('Image', { RepositoryName: 'my-repository-name' })]),
      stablePushed,
      'image tag stable is not latest, the tag of source action Image',
    ],
    [
      'ECR: another repository',
      pipeline([ecrSource('Image', { RepositoryName: 'other' })]),
      latestPushed,
      'source action Image reads ECR repository other, not my-repository-name',
    ],
    [
      'ECR: a CodeCommit source of a same-named repository',
      pipeline([codeCommitSource('Src', 'my-repository-name', 'latest')]),
      latestPushed,
      'the pipeline has no ECR source action',
    ],
  ])('does not start on %s, and says why', (_description, declaration, sourceChange, reason) => {
    expect(matchSourceChange(declaration, sourceChange, providerCatalog)).toEqual({ start: false, reason });
  });

  it('gives every mismatch when no source action matches', () => {
    const decision = matchSourceChange(pipeline([s3Source('A', 'b', 'one.zip'), s3Source('B', 'b', 'two.zip')]), versionedObject, providerCatalog);
    expect(decision).toEqual({ start: false, reason: expect.stringMatching(/^source action A reads .*; source action B reads /) });
  });
});

describe('polledSourceActions', () => {
  it('lists the S3 and CodeCommit sources with PollForSourceChanges "true", and no other', () => {
    const declaration = pipeline([
      s3Source('Polled', 'b', 'k.zip', { PollForSourceChanges: 'true' }),
      s3Source('Evented', 'b', 'k.zip', { PollForSourceChanges: 'false' }),
      s3Source('Default', 'b', 'other.zip'),
      { ...codeCommitSource('Repo', 'MyDemoRepo', 'main'), configuration: { RepositoryName: 'MyDemoRepo', BranchName: 'main', PollForSourceChanges: 'true' } },
      { ...connectionSource, configuration: { ...connectionSource.configuration, PollForSourceChanges: 'true' } },
    ]);

    expect(polledSourceActions(declaration, providerCatalog).map((action) => action.name)).toEqual(['Polled', 'Repo']);
  });
});

describe('pollForSourceChangesProblems', () => {
  it.each<[string, Record<string, string>, RegExp | undefined]>([
    ['true, which both runtimes poll', { PollForSourceChanges: 'true' }, undefined],
    ['false', { PollForSourceChanges: 'false' }, undefined],
    ['left out', {}, undefined],
    ['a variable, read when the action runs', { PollForSourceChanges: '#{variables.poll}' }, undefined],
    ['neither true nor false', { PollForSourceChanges: 'yes' }, /^PollForSourceChanges must be "true" or "false", not "yes"\.$/],
  ])('%s', (_description, configuration, problem) => {
    const problems = pollForSourceChangesProblems(configuration);
    if (problem) expect(problems).toEqual([{ key: 'PollForSourceChanges', message: expect.stringMatching(problem) }]);
    else expect(problems).toEqual([]);
  });
});

describe('sourceChangeTriggerDetail', () => {
  it.each<[string, SourceChange, string]>([
    ['a branch change', branchChange, 'arn:aws:codecommit:us-east-2:123456789012:MyDemoRepo, branch myBranch at 7f0103fMERGE (event 01234567-EXAMPLE)'],
    [
      'a new object version',
      versionedObject,
      'arn:aws:s3:::amzn-s3-demo-bucket1, object example-key version IYV3p45BT0ac8hjHg1houSdS1a.Mro8e (event 17793124-05d4-b198-2fde-7ededc63b103)',
    ],
    ['a new unversioned object', unversionedObject, 'arn:aws:s3:::amzn-s3-demo-bucket1, object example-key (event 17793124-05d4-b198-2fde-7ededc63b103)'],
    [
      'an image push',
      latestPushed,
      `arn:aws:ecr:us-west-2:123456789012:repository/my-repository-name, image tag latest at ${DIGEST} (event 13cde686-328b-6117-af20-0e5566167482)`,
    ],
  ])('names the resource, the revision and the event of %s', (_description, sourceChange, detail) => {
    expect(sourceChangeTriggerDetail(sourceChange)).toBe(detail);
  });
});
