import { providerCatalog } from '../../../lib/actions/registry';
import { validatePipeline } from '../../../lib/core/validate';
import { objectKeyProblem } from '../../../lib/core/object-keys';

/** An S3 source and an S3 deploy, with the names and keys that each case replaces. */
function pipeline(overrides: { pipeline?: string; stage?: string; action?: string; sourceKey?: string; deployKey?: string } = {}) {
  return {
    name: overrides.pipeline ?? 'site',
    stages: [
      {
        name: overrides.stage ?? 'Source',
        actions: [
          {
            name: overrides.action ?? 'Fetch',
            actionTypeId: { category: 'Source', owner: 'AWS', provider: 'S3', version: '1' },
            configuration: { S3Bucket: 'sources', S3ObjectKey: overrides.sourceKey ?? 'site/source.zip' },
            outputArtifacts: [{ name: 'Site' }],
          },
        ],
      },
      {
        name: 'Deploy',
        actions: [
          {
            name: 'Publish',
            actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'S3', version: '1' },
            configuration: { BucketName: 'www', Extract: 'false', ObjectKey: overrides.deployKey ?? 'releases/site.zip' },
            inputArtifacts: [{ name: 'Site' }],
          },
        ],
      },
    ],
  };
}

const problemsOf = (input: unknown) => {
  const validation = validatePipeline(input, providerCatalog, { runtime: 'local' });
  return validation.problems.map((problem) => `${problem.path}: ${problem.message}`);
};

describe('names and object keys that would leave their place', () => {
  it('accepts the base declaration, so each refusal below comes from its change', () => {
    expect(problemsOf(pipeline())).toEqual([]);
  });

  it.each([
    ['a pipeline named ..', { pipeline: '..' }, 'name: The pipeline name cannot be "." or ".."'],
    ['a pipeline named .', { pipeline: '.' }, 'name: The pipeline name cannot be "." or ".."'],
    ['a stage named ..', { stage: '..' }, 'stages[0].name: A stage name cannot be "." or ".."'],
    ['an action named .', { action: '.' }, 'stages[0].actions[0].name: An action name cannot be "." or ".."'],
    [
      'an S3 deploy ObjectKey that climbs out of its bucket',
      { deployKey: '../../.bashrc' },
      'stages[1].actions[0].configuration.ObjectKey: ObjectKey: the object key "../../.bashrc" has a "." or ".." part',
    ],
    [
      'an S3 source key that climbs out of its bucket',
      { sourceKey: 'site/../../../secret.zip' },
      'stages[0].actions[0].configuration.S3ObjectKey: S3ObjectKey: the object key "site/../../../secret.zip" has a "." or ".." part',
    ],
    ['a key with backslashes', { deployKey: '..\\..\\x' }, 'contains a backslash'],
  ])('refuses %s', (_, overrides, message) => {
    expect(problemsOf(pipeline(overrides))).toContainEqual(expect.stringContaining(message));
  });

  it('still accepts names that merely contain dots', () => {
    expect(problemsOf(pipeline({ pipeline: 'site.v2', stage: '...x', action: 'a..b' }))).toEqual([]);
  });

  it('leaves a key that holds variables to the check at run time', () => {
    expect(problemsOf(pipeline({ deployKey: 'releases/#{codepipeline.PipelineExecutionId}.zip' }))).toEqual([]);
  });
});

describe('objectKeyProblem', () => {
  it.each(['a/b.zip', 'a//b', '.hidden/x', 'a/..b/c..', 'dir/'])('accepts %j', (key) => {
    expect(objectKeyProblem(key)).toBeUndefined();
  });

  it.each(['..', '.', 'a/./b', 'a/../b', '../x', 'x/..', 'a\\b', 'a\0b'])('refuses %j', (key) => {
    expect(objectKeyProblem(key)).toMatch(/object key/);
  });
});
