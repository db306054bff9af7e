import { providerCatalog } from '../../../lib/actions/registry';
import { customActionTypeDescription, getActionType, listActionTypes, type ActionTypeDescription } from '../../../lib/operations/action-types';
import { ActionTypeNotFoundError, ValidationError } from '../../../lib/core/errors';

const customType: ActionTypeDescription = {
  id: { category: 'Deploy', owner: 'Custom', provider: 'Rollout', version: '2' },
  configurationProperties: [{ name: 'Fleet', required: true, key: true, secret: false }],
  inputArtifactDetails: { minimumCount: 1, maximumCount: 1 },
  outputArtifactDetails: { minimumCount: 0, maximumCount: 0 },
};

describe('ListActionTypes and GetActionType from the provider registry', () => {
  it("lists every provider with its configuration properties and artifact counts, as CodePipeline's ActionType has them", async () => {
    const types = await listActionTypes(providerCatalog, undefined);
    expect(types).toHaveLength(providerCatalog.size);
    expect(types.find((type) => type.id.provider === 'S3' && type.id.category === 'Source')).toMatchObject({
      id: { category: 'Source', owner: 'AWS', provider: 'S3', version: '1' },
      configurationProperties: expect.arrayContaining([
        { name: 'S3Bucket', required: true, key: false, secret: false, description: expect.any(String), type: 'String' },
      ]),
      inputArtifactDetails: { minimumCount: 0, maximumCount: 0 },
      outputArtifactDetails: { minimumCount: 1, maximumCount: 1 },
    });
  });

  it('filters by owner, with the custom types the job workers register among them', async () => {
    const custom = async () => [customType];
    expect((await listActionTypes(providerCatalog, custom, 'Custom')).map((type) => type.id.provider)).toEqual(['Rollout', 'Git']);
    expect((await listActionTypes(providerCatalog, custom, 'AWS')).every((type) => type.id.owner === 'AWS')).toBe(true);
    await expect(listActionTypes(providerCatalog, custom, 'Someone' as never)).rejects.toBeInstanceOf(ValidationError);
  });

  it('gets one type by category, owner, provider and version, and refuses one there is not', async () => {
    expect(await getActionType(providerCatalog, async () => [customType], customType.id)).toEqual(customType);
    expect((await getActionType(providerCatalog, undefined, { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1' })).description).toEqual(
      expect.any(String),
    );
    await expect(getActionType(providerCatalog, undefined, { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '2' })).rejects.toThrow(
      new ActionTypeNotFoundError('There is no action type Compute/AWS/Commands/2. ListActionTypes (sluice providers) lists those there are.'),
    );
  });

  it('refuses an id that is not an action type id with a ValidationError, before looking it up', async () => {
    await expect(getActionType(providerCatalog, undefined, { category: 'Cooking', owner: 'AWS', provider: 'Commands', version: '1' } as never)).rejects.toThrow(
      ValidationError,
    );
    await expect(getActionType(providerCatalog, undefined, {} as never)).rejects.toThrow(/GetActionType is not valid: category/);
  });

  it('describes a registered custom type as CreateCustomActionType gave it, owner Custom, without its tags or dates', () => {
    expect(
      customActionTypeDescription({
        id: { category: 'Deploy', provider: 'Rollout', version: '2' },
        settings: { executionUrlTemplate: 'https://rollout.example.com/{ExternalExecutionId}' },
        configurationProperties: [{ name: 'Fleet', required: true, key: true, secret: false, queryable: true }],
        inputArtifactDetails: { minimumCount: 1, maximumCount: 1 },
        outputArtifactDetails: { minimumCount: 0, maximumCount: 0 },
        tags: [{ key: 'team', value: 'ops' }],
        created: '2026-01-01T00:00:00.000Z',
      }),
    ).toEqual({
      ...customType,
      settings: { executionUrlTemplate: 'https://rollout.example.com/{ExternalExecutionId}' },
      configurationProperties: [{ name: 'Fleet', required: true, key: true, secret: false, queryable: true }],
    });
  });
});
