import { imagePushedAtText } from '../../../lib/actions/ecr-source';
import { providerCatalog } from '../../../lib/actions/registry';
import type { ActionDeclaration, PipelineDeclaration } from '../../../lib/core/declaration';
import { validatePipeline } from '../../../lib/core/validate';
import { pinnedRevisions } from '../../../lib/operations/source-revision-overrides';
import { sourceAndBuildStages } from '../../support/declarations';

const imageSource = (configuration: Record<string, string>): ActionDeclaration => ({
  name: 'Image',
  actionTypeId: { category: 'Source', owner: 'AWS', provider: 'ECR', version: '1' },
  configuration,
  outputArtifacts: [{ name: 'ImageOut' }],
});

const pipeline = (configuration: Record<string, string>): PipelineDeclaration => ({
  name: 'images',
  stages: sourceAndBuildStages([imageSource(configuration)], 'ImageOut'),
});

describe('imagePushedAtText: ImagePushedAt as CodePipeline writes it in imageDetail.json', () => {
  it.each([
    ['2019-01-21T20:04:00Z', 'Mon Jan 21 20:04:00 UTC 2019'],
    ['2026-12-07T09:05:03.999+02:00', 'Mon Dec 07 07:05:03 UTC 2026'],
    ['2024-02-29T23:59:59Z', 'Thu Feb 29 23:59:59 UTC 2024'],
  ])('writes %s as %s', (time, text) => {
    expect(imagePushedAtText(new Date(time))).toBe(text);
  });
});

describe('the ECR source in a declaration', () => {
  it.each(['aws', 'local'] as const)('validates with RepositoryName, and ImageTag or without it, for the %s runtime', (runtime) => {
    for (const configuration of [{ RepositoryName: 'web' }, { RepositoryName: 'web', ImageTag: 'stable' }] as Record<string, string>[]) {
      expect(validatePipeline(pipeline(configuration), providerCatalog, { runtime, awsCredentials: true }).problems).toEqual([]);
    }
  });

  it('refuses it without RepositoryName, and locally without AWS credentials, saying what to set', () => {
    expect(validatePipeline(pipeline({ ImageTag: 'stable' }), providerCatalog).problems).toEqual([
      {
        path: 'stages[0].actions[0].configuration.RepositoryName',
        rule: 'configuration-required',
        message: 'ECR needs configuration RepositoryName: The ECR repository that images are pushed to.',
      },
    ]);
    expect(validatePipeline(pipeline({ RepositoryName: 'web' }), providerCatalog, { runtime: 'local', awsCredentials: false }).problems).toEqual([
      expect.objectContaining({
        rule: 'aws-credentials',
        message: expect.stringMatching(/^Action "Image" \(ECR\) calls AWS ecr, and no AWS credentials were found/),
      }),
    ]);
  });

  it.each([
    [
      'an uppercase repository name',
      { RepositoryName: 'Web' },
      'RepositoryName',
      /^RepositoryName "Web" is no ECR repository name: 2 to 256 lowercase letters/,
    ],
    ['a repository name with a trailing separator', { RepositoryName: 'team/web-' }, 'RepositoryName', /is no ECR repository name/],
    ['a one-letter repository name', { RepositoryName: 'w' }, 'RepositoryName', /is no ECR repository name/],
    ['a tag over 300 characters', { RepositoryName: 'web', ImageTag: 'v'.repeat(301) }, 'ImageTag', /^ImageTag must have at most 300 characters\.$/],
  ])('refuses %s, naming the key', (_description, configuration, key, message) => {
    expect(validatePipeline(pipeline(configuration), providerCatalog).problems).toEqual([
      expect.objectContaining({ path: `stages[0].actions[0].configuration.${key}`, message: expect.stringMatching(message) }),
    ]);
  });

  it('checks a name or tag that holds a variable only once it is resolved, and accepts namespaced repositories', () => {
    for (const configuration of [{ RepositoryName: 'team/web.api_v2' }, { RepositoryName: '#{variables.repository}', ImageTag: '#{variables.tag}' }] as Record<
      string,
      string
    >[]) {
      expect(
        validatePipeline({ ...pipeline(configuration), pipelineType: 'V2', variables: [{ name: 'repository' }, { name: 'tag' }] }, providerCatalog).problems,
      ).toEqual([]);
    }
  });

  it("is pinned by StartPipelineExecution's sourceRevisions to an image digest, and to nothing else", () => {
    const digest = { actionName: 'Image', revisionType: 'IMAGE_DIGEST', revisionValue: `sha256:${'a'.repeat(64)}` };
    expect(pinnedRevisions(pipeline({ RepositoryName: 'web' }), [digest], providerCatalog)).toEqual([digest]);
    expect(() => pinnedRevisions(pipeline({ RepositoryName: 'web' }), [{ ...digest, revisionType: 'COMMIT_ID' }], providerCatalog)).toThrow(
      'sourceRevisions: source action Image (ECR) cannot be pinned to COMMIT_ID; it can be pinned to IMAGE_DIGEST.',
    );
  });
});
