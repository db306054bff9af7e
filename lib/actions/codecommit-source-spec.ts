import { pollForSourceChangesProblems } from '../core/source-change';
import type { ProviderSpec } from '../core/providers';
import { artifactCounts } from './action-provider';
import { OUTPUT_ARTIFACT_FORMAT, outputArtifactFormatProblems } from './output-artifact-format';

/*
 * The CodeCommit source's spec, apart from its run code (codecommit-source.ts): validation and
 * compilation read it in every function, and the run code's isomorphic-git is loaded only where a
 * CodeCommit source is cloned or polled.
 */

export const codeCommitSourceSpec: ProviderSpec = {
  category: 'Source',
  owner: 'AWS',
  provider: 'CodeCommit',
  version: '1',
  description: 'A branch of a CodeCommit repository.',
  configuration: [
    { name: 'RepositoryName', required: true, description: 'The CodeCommit repository.' },
    { name: 'BranchName', required: true, description: 'The branch to build.' },
    {
      name: 'PollForSourceChanges',
      required: false,
      description:
        'true: Sluice polls the branch (every minute on AWS, every --poll-interval seconds under sluice serve); false, the default here: an event rule starts the pipeline.',
    },
    OUTPUT_ARTIFACT_FORMAT,
  ],
  inputArtifacts: artifactCounts.none,
  outputArtifacts: artifactCounts.one,
  outputVariables: ['AuthorDate', 'BranchName', 'CommitId', 'CommitMessage', 'CommitterDate', 'RepositoryName'],
  runtimes: ['aws', 'local'],
  cost: { pricedAs: 'runner', runnerMs: 5000 },
  pinnableRevisions: ['COMMIT_ID'],
  // A push to the branch of the action's repository.
  sourceChanges: {
    kind: 'CodeCommit',
    mismatch: ({ RepositoryName, BranchName }, change, action) => {
      if (RepositoryName !== change.repositoryName) return `source action ${action.name} builds repository ${RepositoryName}, not ${change.repositoryName}`;
      return BranchName === change.branch ? undefined : `branch ${change.branch} is not ${BranchName}, the branch of source action ${action.name}`;
    },
    revision: (change) => ({ revisionType: 'COMMIT_ID', revisionValue: change.commitId }),
  },
  checkConfiguration: (configuration) => [...outputArtifactFormatProblems(configuration), ...pollForSourceChangesProblems(configuration)],
};
