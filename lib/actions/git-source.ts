import fs from 'node:fs';
import { mkdir, writeFile, symlink } from 'node:fs/promises';
import path from 'node:path';
import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { BadInputError } from '../core/errors';
import type { ActionContext, ActionOutcome, ActionProvider } from './action-provider';
import { artifactCounts } from './action-provider';

const isUrl = (location: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(location);

/** Writes the tree of `commit` from the repository at `gitdir` into `directory`, without .git. */
async function exportTree(dir: string, commit: string, directory: string): Promise<void> {
  await git.walk({
    fs,
    dir,
    trees: [git.TREE({ ref: commit })],
    map: async (filepath, [entry]) => {
      if (!entry || filepath === '.') return true;
      const target = path.join(directory, filepath);
      const type = await entry.type();
      if (type === 'tree') {
        await mkdir(target, { recursive: true });
        return true;
      }
      if (type !== 'blob') return null;
      const mode = await entry.mode();
      const content = (await entry.content())!;
      if (mode === 0o120000) await symlink(Buffer.from(content).toString('utf8'), target);
      else await writeFile(target, content, { mode: mode === 0o100755 ? 0o755 : 0o644 });
      return true;
    },
  });
}

/** The pinned commit, once it is known to be in the repository at `dir`. */
async function pinnedCommit(dir: string, repository: string, commit: string): Promise<string> {
  try {
    return (await git.readCommit({ fs, dir, oid: commit })).oid;
  } catch (error) {
    throw new BadInputError(`The execution pins commit ${commit}, which ${repository} does not have: ${(error as Error).message}`, { cause: error });
  }
}

async function checkout(context: ActionContext, repository: string, branch: string): Promise<{ dir: string; commit: string }> {
  const pinned = context.sourceRevision;
  if (isUrl(repository)) {
    const dir = path.join(context.workspace, 'clone');
    context.log(`Cloning ${repository} (${branch})\n`);
    // A pinned commit may be behind the branch's head, so its whole history is fetched; the
    // commit has to be on the branch (isomorphic-git fetches refs, not single commits).
    await git.clone({ fs, http, dir, url: repository, ref: branch, singleBranch: true, ...(pinned ? {} : { depth: 1 }), noCheckout: true });
    return { dir, commit: pinned ? await pinnedCommit(dir, repository, pinned) : await git.resolveRef({ fs, dir, ref: `refs/heads/${branch}` }) };
  }
  const dir = path.resolve(repository);
  if (pinned) return { dir, commit: await pinnedCommit(dir, dir, pinned) };
  try {
    return { dir, commit: await git.resolveRef({ fs, dir, ref: `refs/heads/${branch}` }) };
  } catch (error) {
    throw new BadInputError(`Cannot read branch ${branch} of the git repository at ${dir}: ${(error as Error).message}`, { cause: error });
  }
}

/** Sluice's own source: any git URL or local repository path, read with isomorphic-git. */
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

  async run(context): Promise<ActionOutcome> {
    const { RepositoryUrl: repository, BranchName: branch } = context.action.configuration as Record<string, string>;
    const { dir, commit } = await checkout(context, repository!, branch!);
    const { commit: details } = await git.readCommit({ fs, dir, oid: commit });
    const tree = path.join(context.workspace, 'tree');
    await mkdir(tree);
    await exportTree(dir, commit, tree);
    context.log(`Checked out ${branch} at ${commit}${context.sourceRevision ? ' (the commit the execution pins)' : ''}: ${details.message.split('\n')[0]}\n`);
    const location = await context.artifacts.storeArtifact({
      bucketName: context.artifactBucket,
      pipelineName: context.pipelineName,
      artifactName: context.action.outputArtifacts![0]!.name,
      directory: tree,
    });
    return {
      outputArtifacts: [location],
      outputVariables: {
        CommitId: commit,
        CommitMessage: details.message.trim(),
        AuthorDate: new Date(details.author.timestamp * 1000).toISOString(),
        BranchName: branch!,
      },
      summary: details.message.split('\n')[0],
      externalExecutionId: commit,
    };
  },
};
