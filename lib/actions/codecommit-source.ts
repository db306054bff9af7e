import type { ActionProvider } from './action-provider';
import { artifactCounts } from './action-provider';

export const codeCommitSource: ActionProvider = {
  spec: {
    category: 'Source',
    owner: 'AWS',
    provider: 'CodeCommit',
    version: '1',
    description: 'A branch of a CodeCommit repository.',
    configuration: [
      { name: 'RepositoryName', required: true, description: 'The CodeCommit repository.' },
      { name: 'BranchName', required: true, description: 'The branch to build.' },
      { name: 'PollForSourceChanges', required: false, description: 'true to poll; false when an event rule starts the pipeline.' },
      { name: 'OutputArtifactFormat', required: false, description: 'CODE_ZIP (default) or CODEBUILD_CLONE_REF.' },
    ],
    inputArtifacts: artifactCounts.none,
    outputArtifacts: artifactCounts.one,
    outputVariables: ['AuthorDate', 'BranchName', 'CommitId', 'CommitMessage', 'CommitterDate', 'RepositoryName'],
    runtimes: ['aws'],
  },
};
