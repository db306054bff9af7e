import type { ActionProvider } from './action-provider';
import { artifactCounts } from './action-provider';

/** Sluice's own source: any git URL or local repository path. */
export const gitSource: ActionProvider = {
  spec: {
    category: 'Source',
    owner: 'Custom',
    provider: 'Git',
    version: '1',
    description: 'A branch of any git repository, by URL or local path.',
    configuration: [
      { name: 'RepositoryUrl', required: true, description: 'An https:// URL, or the path of a local repository.' },
      { name: 'BranchName', required: true, description: 'The branch to build.' },
    ],
    inputArtifacts: artifactCounts.none,
    outputArtifacts: artifactCounts.one,
    outputVariables: ['CommitId', 'CommitMessage', 'AuthorDate', 'BranchName'],
    runtimes: ['aws', 'local'],
  },
};
