import { InvalidArnError, InvalidTagsError, TooManyTagsError } from '../../../lib/core/errors';
import { checkTagKeys, checkTags, pipelineNamed, taggedWith } from '../../../lib/operations/pipeline-tags';

const pipelineArn = (name: string) => `arn:aws:codepipeline:local:000000000000:${name}`;

describe('pipeline tags', () => {
  it('names the pipeline of an ARN of this installation, nothing for another place or kind, and refuses what is no CodePipeline ARN', () => {
    expect(pipelineNamed(pipelineArn('web'), pipelineArn)).toBe('web');
    expect(pipelineNamed('arn:aws:codepipeline:eu-west-1:123456789012:web', pipelineArn)).toBeUndefined();
    expect(pipelineNamed(pipelineArn('webhook:web-hook'), pipelineArn)).toBeUndefined();
    expect(() => pipelineNamed('arn:aws:s3:::bucket', pipelineArn)).toThrow(InvalidArnError);
    expect(() => pipelineNamed('web', pipelineArn)).toThrow(InvalidArnError);
  });

  it("refuses keys and values outside AWS's rules", () => {
    expect(() => checkTags([{ key: 'AWS:team', value: 'x' }])).toThrow(new InvalidTagsError('Tag key AWS:team: keys starting with aws: are reserved for AWS.'));
    expect(() => checkTags([{ key: '', value: 'x' }])).toThrow(InvalidTagsError);
    expect(() => checkTags([{ key: 'k'.repeat(129), value: 'x' }])).toThrow(InvalidTagsError);
    expect(() => checkTags([{ key: 'team', value: 'v'.repeat(257) }])).toThrow(InvalidTagsError);
    expect(() => checkTags([{ key: 'team', value: 'a;b' }])).toThrow(InvalidTagsError);
    expect(() =>
      checkTags([
        { key: 'team', value: 'web' },
        { key: 'team', value: 'api' },
      ]),
    ).toThrow('Tag key team is given twice.');
    expect(() => checkTags([{ key: 'équipe:nom', value: 'Web + API @ 2/3 = ok_.' }])).not.toThrow();
    expect(() => checkTags([{ key: 'team' } as never])).toThrow(new InvalidTagsError('Tag team needs a value: a string, which may be empty.'));
  });

  it('refuses to remove a key that no tag could have, or one of AWS', () => {
    expect(() => checkTagKeys(['aws:cloudformation:stack-name'])).toThrow(InvalidTagsError);
    expect(() => checkTagKeys([''])).toThrow(InvalidTagsError);
    expect(() => checkTagKeys(['k'.repeat(129)])).toThrow(InvalidTagsError);
    expect(() => checkTagKeys(['team', 'équipe:nom'])).not.toThrow();
  });

  it('adds and replaces tags up to 50', () => {
    expect(
      taggedWith(
        [{ key: 'a', value: '1' }],
        [
          { key: 'a', value: '2' },
          { key: 'b', value: '3' },
        ],
      ),
    ).toEqual([
      { key: 'a', value: '2' },
      { key: 'b', value: '3' },
    ]);
    const fifty = Array.from({ length: 50 }, (_, index) => ({ key: `k${index}`, value: '' }));
    expect(taggedWith(fifty, [{ key: 'k0', value: 'x' }])).toHaveLength(50);
    expect(() => taggedWith(fifty, [{ key: 'one-more', value: 'x' }])).toThrow(TooManyTagsError);
  });
});
