import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { AccessDeniedError, BadInputError, NotFoundError } from '../core/errors';
import type { AwsCredentials, CodeCommitAccess } from '../ports/codecommit-access';
import type { ActionOutcome, ActionProvider, LatestRevision } from './action-provider';
import { codeCommitGitCredentials } from './codecommit-git-credentials';
import { cloneBranch, storeCommitTree } from './git-checkout';
import { codeCommitSourceSpec } from './codecommit-source-spec';
import { refuseUnsupportedOutputFormat } from './output-artifact-format';

/** The SDK's chain throws when it finds no credentials: that is for the user to fix. */
async function readCredentials(access: CodeCommitAccess, repository: string): Promise<AwsCredentials> {
  try {
    return await access.credentials();
  } catch (error) {
    throw new BadInputError(
      `Cannot clone CodeCommit repository ${repository}: no AWS credentials were found (${(error as Error).message}). Set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.`,
      { cause: error },
    );
  }
}

/** isomorphic-git's answer for a refused clone, or a missing repository or branch, as Sluice's error; any other comes back unchanged. */
function explainCloneError(error: unknown, access: CodeCommitAccess, repository: string, branch: string): unknown {
  if (error instanceof git.Errors.HttpError) {
    const status = error.data.statusCode;
    if (status === 401 || status === 403) {
      return new AccessDeniedError(
        {
          action: 'codecommit:GitPull',
          resource: access.repositoryArn(repository),
          role: access.identity,
          hint: 'CodeCommit refuses expired or wrong credentials the same way: check them too.',
        },
        { cause: error },
      );
    }
    if (status === 404) {
      return new NotFoundError(
        `CodeCommit has no repository ${repository} in ${access.region}, the region Sluice reads repositories in: check RepositoryName.`,
        { cause: error },
      );
    }
  }
  if (error instanceof git.Errors.NotFoundError) {
    return new NotFoundError(`CodeCommit repository ${repository} has no branch ${branch}: check BranchName.`, { cause: error });
  }
  return error;
}

function requiredAccess(access: CodeCommitAccess | undefined, actionName: string, repository: string): CodeCommitAccess {
  if (access) return access;
  throw new BadInputError(
    `Action ${actionName} reads CodeCommit repository ${repository}, and no AWS region is configured: set AWS_REGION, and AWS credentials (AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) whose identity may call codecommit:GitPull on the repository.`,
  );
}

/**
 * A branch of a CodeCommit repository, cloned over HTTPS as CodeCommit's git-remote-codecommit
 * helper clones it: with git credentials signed from the IAM identity's AWS credentials, so the
 * identity needs `codecommit:GitPull` on the repository.
 */
export const codeCommitSource: ActionProvider = {
  spec: codeCommitSourceSpec,

  async latestRevision({ action, codeCommit }): Promise<LatestRevision | undefined> {
    const { RepositoryName: repository, BranchName: branch } = action.configuration as Record<string, string>;
    const access = requiredAccess(codeCommit, action.name, repository!);
    const url = access.repositoryUrl(repository!);
    const credentials = await readCredentials(access, repository!);
    const ref = `refs/heads/${branch}`;
    const refs = await git
      .listServerRefs({ http, url, prefix: ref, protocolVersion: 1, onAuth: () => codeCommitGitCredentials(url, access.region, credentials, new Date()) })
      .catch((error: unknown) => {
        throw explainCloneError(error, access, repository!, branch!);
      });
    const head = refs.find((candidate) => candidate.ref === ref);
    return (
      head && {
        revision: { revisionType: 'COMMIT_ID', revisionValue: head.oid },
        marker: head.oid,
        description: `CodeCommit repository ${repository} branch ${branch} at ${head.oid}`,
      }
    );
  },

  async run(context): Promise<ActionOutcome> {
    const configuration = context.action.configuration as Record<string, string>;
    const repository = configuration.RepositoryName!;
    const branch = configuration.BranchName!;
    refuseUnsupportedOutputFormat(configuration);
    const access = requiredAccess(context.codeCommit, context.action.name, repository);
    const url = access.repositoryUrl(repository);
    const credentials = await readCredentials(access, repository);
    const source = await cloneBranch(context, {
      url,
      branch,
      repository: `CodeCommit repository ${repository}`,
      // Signed when the server asks, so that the signature's time is the request's.
      onAuth: () => codeCommitGitCredentials(url, access.region, credentials, new Date()),
    }).catch((error: unknown) => {
      throw explainCloneError(error, access, repository, branch);
    });
    const stored = await storeCommitTree(context, source, branch);
    return {
      outputArtifacts: [stored.location],
      outputVariables: {
        AuthorDate: stored.authorDate,
        BranchName: branch,
        CommitId: stored.commit,
        CommitMessage: stored.message,
        CommitterDate: stored.committerDate,
        RepositoryName: repository,
      },
      summary: stored.summary,
      externalExecutionId: stored.commit,
    };
  },
};
