import { providerCatalog } from '../../../../lib/actions/registry';
import { compilePipeline } from '../../../../lib/core/compile';
import { providerKey, type PipelineDeclaration } from '../../../../lib/core/declaration';
import type { Integration, ProviderCatalog } from '../../../../lib/core/providers';

const COMMANDS = { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1' } as const;

const pipeline: PipelineDeclaration = {
  name: 'chosen',
  stages: [
    {
      name: 'Source',
      actions: [{ name: 'Src', actionTypeId: { category: 'Source', owner: 'Custom', provider: 'Git', version: '1' }, outputArtifacts: [{ name: 'Out' }] }],
    },
    { name: 'Check', actions: [{ name: 'Run', actionTypeId: COMMANDS, commands: ['true'], inputArtifacts: [{ name: 'Out' }] }] },
  ],
};

/** The registry's catalog, with the Commands provider naming another integration. */
function catalogWith(integration: Integration): ProviderCatalog {
  const key = providerKey(COMMANDS);
  return new Map([...providerCatalog, [key, { ...providerCatalog.get(key)!, integration }]]);
}

describe('the integration a provider spec names', () => {
  it("is how the compiler runs the provider's actions", () => {
    const steps = (catalog: ProviderCatalog) =>
      Object.values(compilePipeline(pipeline, catalog).tasks)
        .filter((task) => task.action === 'Run')
        .map((task) => task.step);

    // Commands runs on CodeBuild compute, as in CodePipeline.
    expect(steps(providerCatalog)).toEqual(['prepareBuild', 'startBuild', 'completeBuild', 'failBuild']);
    expect(steps(catalogWith('runner'))).toEqual(['runAction']);
    expect(steps(catalogWith('approval'))).toEqual(['requestApproval']);
  });
});
