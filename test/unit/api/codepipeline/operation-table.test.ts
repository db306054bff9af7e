import { CODEPIPELINE_OPERATIONS, dispatchCodePipelineCall } from '../../../../lib/api/codepipeline/operation-table';
import { CODEPIPELINE_OPERATION_NAMES } from '../../../../lib/api/codepipeline/operation-names';
import { PIPELINE_OPERATIONS } from '../../../../lib/api/codepipeline/pipeline-operations';
import type { SluiceApi } from '../../../../lib/operations/sluice-api';
import { codePipelineModel } from '../../../support/codepipeline-model';

/** An API that no operation of these tests may reach. */
const api = {} as SluiceApi;

describe("the table of CodePipeline's operations", () => {
  it('has every operation of the service model, and no other', () => {
    expect([...CODEPIPELINE_OPERATION_NAMES].sort()).toEqual(Object.keys(codePipelineModel().operations).sort());
    expect(Object.keys(CODEPIPELINE_OPERATIONS).sort()).toEqual([...CODEPIPELINE_OPERATION_NAMES].sort());
  });

  it('routes each implemented operation to its handler', () => {
    for (const [name, handler] of Object.entries(PIPELINE_OPERATIONS)) expect(CODEPIPELINE_OPERATIONS[name as keyof typeof PIPELINE_OPERATIONS]).toBe(handler);
  });

  it('answers an operation Sluice does not implement with an error that names it', async () => {
    await expect(dispatchCodePipelineCall(api, { operation: 'ListDeployActionExecutionTargets', input: {} })).rejects.toMatchObject({
      codePipelineCode: 'UnsupportedOperationException',
      message: 'Sluice does not implement ListDeployActionExecutionTargets yet.',
    });
  });

  it.each([['LaunchRockets'], ['toString'], ['__proto__']])('answers %s, which CodePipeline does not have, as an unknown operation', async (operation) => {
    await expect(dispatchCodePipelineCall(api, { operation, input: {} })).rejects.toMatchObject({ codePipelineCode: 'UnknownOperationException' });
  });

  it('refuses an input whose required member is missing or of the wrong type, naming it, before the API is reached', async () => {
    await expect(dispatchCodePipelineCall(api, { operation: 'GetPipeline', input: {} })).rejects.toMatchObject({
      codePipelineCode: 'ValidationException',
      message: 'the input needs name, a non-empty string.',
    });
    await expect(dispatchCodePipelineCall(api, { operation: 'GetPipeline', input: { name: 'p', version: '2' } })).rejects.toMatchObject({
      codePipelineCode: 'ValidationException',
      message: 'version in the input must be a whole number.',
    });
  });

  it.each([
    ['TagResource', { tags: [] }, 'the input needs resourceArn, a non-empty string.'],
    ['TagResource', { resourceArn: 'arn', tags: 'team=web' }, 'tags in the input must be a list.'],
    ['TagResource', { resourceArn: 'arn' }, 'the input needs tags, a list.'],
    ['TagResource', { resourceArn: 'arn', tags: [null] }, 'tags[0] must be a structure {key, value}.'],
    ['TagResource', { resourceArn: 'arn', tags: [{ key: 'tier', value: 1 }] }, 'value in tags[0] must be a string.'],
    ['CreatePipeline', { pipeline: {}, tags: {} }, 'tags in the input must be a list.'],
    ['UntagResource', { resourceArn: 'arn', tagKeys: 'team' }, 'tagKeys in the input must be a list of strings.'],
    ['UntagResource', { resourceArn: 'arn', tagKeys: [1] }, 'tagKeys in the input must be a list of strings.'],
    ['UntagResource', { resourceArn: 'arn' }, 'the input needs tagKeys, a list of strings.'],
    ['ListTagsForResource', {}, 'the input needs resourceArn, a non-empty string.'],
  ])('refuses %s with %j, naming the member, before the API is reached', async (operation, input, message) => {
    await expect(dispatchCodePipelineCall(api, { operation, input })).rejects.toMatchObject({ codePipelineCode: 'ValidationException', message });
  });
});
