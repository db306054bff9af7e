import fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import { BadInputError } from '../core/errors';
import type { ActionContext, ActionOutcome, ActionProvider } from './action-provider';
import { cloneBranch, pinnedCommit, storeCommitTree, type RepositoryCommit } from './git-checkout';
import { gitSourceSpec } from './git-source-spec';

const isUrl = (location: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(location);

/** The commit of a repository on this machine, read where it is. */
async function localCommit(context: ActionContext, repository: string, branch: string): Promise<RepositoryCommit> {
  const dir = path.resolve(repository);
  if (context.sourceRevision) return { dir, commit: await pinnedCommit(dir, dir, context.sourceRevision) };
  try {
    return { dir, commit: await git.resolveRef({ fs, dir, ref: `refs/heads/${branch}` }) };
  } catch (error) {
    throw new BadInputError(`Cannot read branch ${branch} of the git repository at ${dir}: ${(error as Error).message}`, { cause: error });
  }
}

/** Sluice's own source: any git URL or local repository path, read with isomorphic-git. */
export const gitSource: ActionProvider = {
  spec: gitSourceSpec,

  async run(context): Promise<ActionOutcome> {
    const { RepositoryUrl: repository, BranchName: branch } = context.action.configuration as Record<string, string>;
    const source = isUrl(repository!) ? await cloneBranch(context, { url: repository!, branch: branch! }) : await localCommit(context, repository!, branch!);
    const stored = await storeCommitTree(context, source, branch!);
    return {
      outputArtifacts: [stored.location],
      outputVariables: { CommitId: stored.commit, CommitMessage: stored.message, AuthorDate: stored.authorDate, BranchName: branch! },
      summary: stored.summary,
      externalExecutionId: stored.commit,
    };
  },
};
