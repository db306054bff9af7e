import type { ActionProvider } from './action-provider';
import { artifactCounts } from './action-provider';

export const codeStarSourceConnection: ActionProvider = {
  spec: {
    category: 'Source',
    owner: 'AWS',
    provider: 'CodeStarSourceConnection',
    version: '1',
    description: 'A branch of a GitHub, GitLab or Bitbucket repository, through a connection.',
    configuration: [
      { name: 'ConnectionArn', required: true, description: 'The ARN of the connection to the repository host.' },
      { name: 'FullRepositoryId', required: true, description: 'owner/name of the repository.' },
      { name: 'BranchName', required: true, description: 'The branch to build.' },
      { name: 'OutputArtifactFormat', required: false, description: 'CODE_ZIP (default) or CODEBUILD_CLONE_REF.' },
      { name: 'DetectChanges', required: false, description: 'false to start the pipeline only by hand or by trigger.' },
    ],
    inputArtifacts: artifactCounts.none,
    outputArtifacts: artifactCounts.one,
    outputVariables: ['AuthorDate', 'BranchName', 'CommitId', 'CommitMessage', 'ConnectionArn', 'FullRepositoryName'],
    runtimes: ['aws'],
  },
};
