/** The Source stage most end-to-end pipelines start with: `main` of a git repository, as `Src`. */
export function gitSourceStage(repository: string, extra: { namespace?: string } = {}) {
  return {
    name: 'Source',
    actions: [{
      name: 'Checkout',
      actionTypeId: { category: 'Source', owner: 'Custom', provider: 'Git', version: '1' },
      configuration: { RepositoryUrl: repository, BranchName: 'main' },
      outputArtifacts: [{ name: 'Src' }],
      ...extra,
    }],
  };
}
