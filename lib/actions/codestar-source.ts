import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { extractZip } from '../artifacts/zip';
import { ActionFailedError, BadInputError } from '../core/errors';
import type { ActionOutcome, ActionProvider } from './action-provider';
import { artifactCounts, storeOutputArtifact } from './action-provider';
import { GitHubRepository } from './github-repository';
import { OUTPUT_ARTIFACT_FORMAT, outputArtifactFormatProblems, refuseUnsupportedOutputFormat } from './output-artifact-format';

/** Extracts GitHub's zip of a commit and returns the one folder in it, `<owner>-<name>-<sha7>/`, which holds the tree. */
async function extractTree(zipFile: string, directory: string, source: string): Promise<string> {
  await extractZip(zipFile, directory);
  const entries = await readdir(directory, { withFileTypes: true });
  if (entries.length !== 1 || !entries[0]!.isDirectory()) {
    throw new ActionFailedError(
      `GitHub's zip of ${source} should hold one top-level folder; it holds: ${entries.map((entry) => entry.name).join(', ') || 'nothing'}.`,
    );
  }
  return path.join(directory, entries[0]!.name);
}

/**
 * A branch of a GitHub repository, read through GitHub's REST API with Sluice's GitHub token. The
 * connection does not authenticate anything: AWS has no API that hands out a connection's token,
 * so ConnectionArn is only passed on as a variable.
 */
export const codeStarSourceConnection: ActionProvider = {
  spec: {
    category: 'Source',
    owner: 'AWS',
    provider: 'CodeStarSourceConnection',
    version: '1',
    description: 'A branch of a GitHub repository, through a connection.',
    configuration: [
      { name: 'ConnectionArn', required: true, description: 'The ARN of the connection to the repository host.' },
      { name: 'FullRepositoryId', required: true, description: 'owner/name of the repository.' },
      { name: 'BranchName', required: true, description: 'The branch to build.' },
      OUTPUT_ARTIFACT_FORMAT,
      { name: 'DetectChanges', required: false, description: 'false to start the pipeline only by hand or by trigger.' },
    ],
    inputArtifacts: artifactCounts.none,
    outputArtifacts: artifactCounts.one,
    outputVariables: ['AuthorDate', 'BranchName', 'CommitId', 'CommitMessage', 'ConnectionArn', 'FullRepositoryName'],
    runtimes: ['aws', 'local'],
    cost: { pricedAs: 'runner', runnerMs: 5000 },
    // It reads GitHub: the connection only names the repository.
    runsWithoutAwsOn: ['aws', 'local'],
    pinnableRevisions: ['COMMIT_ID'],
    checkConfiguration: outputArtifactFormatProblems,
  },

  async run(context): Promise<ActionOutcome> {
    const configuration = context.action.configuration as Record<string, string>;
    const { ConnectionArn: connectionArn, FullRepositoryId: repositoryName, BranchName: branch } = configuration;
    refuseUnsupportedOutputFormat(configuration);
    if (!context.gitHub) {
      throw new BadInputError(
        `Action ${context.action.name} reads ${repositoryName} through GitHub's API, and no GitHub token is configured: set SLUICE_GITHUB_TOKEN locally (and SLUICE_GITHUB_API_URL for GitHub Enterprise), or store a token in the stack's GitHub token secret on AWS.`,
      );
    }
    const repository = new GitHubRepository(context.gitHub, repositoryName!);
    const commit = await repository.commit(context.sourceRevision ?? branch!, context.signal);
    context.log(
      `Fetching ${repositoryName} at ${commit.sha} (${context.sourceRevision ? 'the commit the execution pins' : `the head of ${branch}`}): ${commit.message.split('\n')[0]}\n`,
    );
    const zipFile = path.join(context.workspace, 'code.zip');
    await repository.downloadZipball(commit.sha, zipFile, context.signal);
    const tree = await extractTree(zipFile, path.join(context.workspace, 'code'), `${repositoryName}@${commit.sha}`);
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
