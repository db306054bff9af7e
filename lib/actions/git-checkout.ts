import fs from 'node:fs';
import path from 'node:path';
import git, { type AuthCallback } from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { BadInputError } from '../core/errors';
import type { ArtifactLocation } from '../core/task-payloads';
import { storeOutputZip, type ActionContext } from './action-provider';
import { zipCommitTree } from './git-tree-export';

/** A commit of the repository at `dir` (a work tree, or a clone without one). */
export interface RepositoryCommit {
  dir: string;
  commit: string;
}

/** A commit stored as a source action's output artifact, with what its output variables say. */
export interface StoredCommit {
  location: ArtifactLocation;
  commit: string;
  message: string;
  /** The message's first line. */
  summary: string;
  /** ISO 8601, to the second, as CodePipeline writes the dates of a commit. */
  authorDate: string;
  committerDate: string;
}

/** The pinned commit, once it is known to be in the repository at `dir`. */
export async function pinnedCommit(dir: string, repository: string, commit: string): Promise<string> {
  try {
    return (await git.readCommit({ fs, dir, oid: commit })).oid;
  } catch (error) {
    throw new BadInputError(`The execution pins commit ${commit}, which ${repository} does not have: ${(error as Error).message}`, { cause: error });
  }
}

export interface GitBranch {
  url: string;
  branch: string;
  /** How the log and messages name the repository; its URL unless given. */
  repository?: string;
  /** Credentials for a server that asks for them. */
  onAuth?: AuthCallback;
}

/** Clones a branch into the workspace; the commit is the one the execution pins, or the branch's head. */
export async function cloneBranch(context: ActionContext, { url, branch, repository = url, onAuth }: GitBranch): Promise<RepositoryCommit> {
  const pinned = context.sourceRevision;
  const dir = path.join(context.workspace, 'clone');
  context.log(`Cloning ${repository} (${branch})\n`);
  // A pinned commit may be behind the branch's head, so its whole history is fetched; the
  // commit has to be on the branch (isomorphic-git fetches refs, not single commits).
  await git.clone({ fs, http, dir, url, ref: branch, singleBranch: true, ...(pinned ? {} : { depth: 1 }), noCheckout: true, ...(onAuth ? { onAuth } : {}) });
  return { dir, commit: pinned ? await pinnedCommit(dir, repository, pinned) : await git.resolveRef({ fs, dir, ref: `refs/heads/${branch}` }) };
}

/** Git's seconds since the epoch, as CodePipeline writes a commit's dates: `2019-10-29T03:32:21Z`. */
const commitDate = (timestamp: number) => new Date(timestamp * 1000).toISOString().replace('.000Z', 'Z');

/** Stores the tree of a commit, without .git, as the action's output artifact. */
export async function storeCommitTree(context: ActionContext, { dir, commit }: RepositoryCommit, branch: string): Promise<StoredCommit> {
  const { commit: details } = await git.readCommit({ fs, dir, oid: commit });
  const summary = details.message.split('\n')[0]!;
  context.log(`Checked out ${branch} at ${commit}${context.sourceRevision ? ' (the commit the execution pins)' : ''}: ${summary}\n`);
  const location = await storeOutputZip(context, (zipFile, { compress }) => zipCommitTree(dir, commit, zipFile, { compress }));
  return {
    location,
    commit,
    message: details.message.trim(),
    summary,
    authorDate: commitDate(details.author.timestamp),
    committerDate: commitDate(details.committer.timestamp),
  };
}
