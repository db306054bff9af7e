import type { ProviderSpec } from '../core/providers';
import { artifactCounts } from './action-provider';

/*
 * The Git source's spec, apart from its run code (git-source.ts): validation and compilation read
 * it in every function, and the run code's isomorphic-git is loaded only where a source is cloned.
 */

export const gitSourceSpec: ProviderSpec = {
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
  cost: { pricedAs: 'runner', runnerMs: 5000 },
  runsWithoutAwsOn: ['aws', 'local'],
  pinnableRevisions: ['COMMIT_ID'],
};
