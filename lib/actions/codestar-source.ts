import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { extractZip } from '../artifacts/zip';
import { ActionFailedError, BadInputError } from '../core/errors';
import type { ActionOutcome, ActionProvider } from './action-provider';
import { artifactCounts, storeOutputArtifact } from './action-provider';
import { OUTPUT_ARTIFACT_FORMAT, outputArtifactFormatProblems, refuseUnsupportedOutputFormat } from './output-artifact-format';
import type { ProviderSpec } from '../core/providers';

/** Extracts a host's zip of a commit and returns the one folder in it, which holds the tree. */
async function extractTree(zipFile: string, directory: string, source: string, hostName: string): Promise<string> {
  await extractZip(zipFile, directory);
  const entries = await readdir(directory, { withFileTypes: true });
  if (entries.length !== 1 || !entries[0]!.isDirectory()) {
    throw new ActionFailedError(
      `${hostName}'s zip of ${source} should hold one top-level folder; it holds: ${entries.map((entry) => entry.name).join(', ') || 'nothing'}.`,
    );
  }
  return path.join(directory, entries[0]!.name);
}

export const codeStarSourceConnectionSpec: ProviderSpec = {
  category: 'Source',
  owner: 'AWS',
  provider: 'CodeStarSourceConnection',
  version: '1',
  description: 'A branch of a repository on GitHub, GitHub Enterprise Server, Bitbucket Cloud or GitLab, through a connection.',
  configuration: [
    { name: 'ConnectionArn', required: true, description: 'The ARN of the connection to the repository host.' },
    { name: 'FullRepositoryId', required: true, description: 'owner/name of the repository (workspace/name on Bitbucket, group/name on GitLab).' },
    { name: 'BranchName', required: true, description: 'The branch to build.' },
    OUTPUT_ARTIFACT_FORMAT,
    { name: 'DetectChanges', required: false, description: 'false to start the pipeline only by hand or by trigger.' },
  ],
  inputArtifacts: artifactCounts.none,
  outputArtifacts: artifactCounts.one,
  outputVariables: ['AuthorDate', 'BranchName', 'CommitId', 'CommitMessage', 'ConnectionArn', 'FullRepositoryName'],
  runtimes: ['aws', 'local'],
  cost: { pricedAs: 'runner', runnerMs: 5000 },
  // It reads the repository's host: the connection only names which host that is.
  runsWithoutAwsOn: ['aws', 'local'],
  pinnableRevisions: ['COMMIT_ID'],
  checkConfiguration: outputArtifactFormatProblems,
};

/**
 * A branch of a repository on GitHub, GitHub Enterprise Server, Bitbucket Cloud or GitLab, read
 * through its host's REST API with Sluice's token for that host. AWS has no API that hands out a
 * connection's token, so the connection authenticates nothing: the installation's settings say
 * which host it reaches (GitHub when they do not name it).
 */
export const codeStarSourceConnection: ActionProvider = {
  spec: codeStarSourceConnectionSpec,

  async run(context): Promise<ActionOutcome> {
    const configuration = context.action.configuration as Record<string, string>;
    const { ConnectionArn: connectionArn, FullRepositoryId: repositoryName, BranchName: branch } = configuration;
    refuseUnsupportedOutputFormat(configuration);
    if (!context.repositoryHosts)
      throw new BadInputError(`Action ${context.action.name} reads ${repositoryName} through a connection, and this runtime reaches no repository hosts.`);
    const host = await context.repositoryHosts.forConnection(connectionArn);
    const commit = await host.commit(repositoryName!, context.sourceRevision ?? branch!, context.signal);
    context.log(
      `Fetching ${repositoryName} at ${commit.sha} (${context.sourceRevision ? 'the commit the execution pins' : `the head of ${branch}`}): ${commit.message.split('\n')[0]}\n`,
    );
    const zipFile = path.join(context.workspace, 'code.zip');
    await host.downloadArchive(repositoryName!, commit.sha, zipFile, context.signal);
    const tree = await extractTree(zipFile, path.join(context.workspace, 'code'), `${repositoryName}@${commit.sha}`, host.name);
    const location = await storeOutputArtifact(context, tree);
    return {
      outputArtifacts: [location],
      outputVariables: {
        ...(commit.authorDate ? { AuthorDate: commit.authorDate } : {}),
        BranchName: branch!,
        CommitId: commit.sha,
        CommitMessage: commit.message,
        ConnectionArn: connectionArn!,
        FullRepositoryName: repositoryName!,
      },
      summary: commit.message.split('\n')[0],
      externalExecutionId: commit.sha,
      externalExecutionUrl: commit.htmlUrl,
    };
  },
};
