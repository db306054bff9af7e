import path from 'node:path';
import type { Command } from 'commander';
import { ExitCode, type ExitWith } from '../exit-codes';
import { dataDirOption, type LocalOptions } from '../local-options';

interface HookOptions extends LocalOptions {
  pipeline: string;
}

/** How long a commit may wait for `sluice serve` to answer before the hook gives up on it. */
const NOTIFY_TIMEOUT_MS = 10_000;

/**
 * `sluice hook install <repo> --pipeline <name>`: a post-commit hook that tells a running
 * `sluice serve` of each commit, as GitHub's webhook would; and `sluice hook notify`, which the
 * hook runs, so that building and signing the delivery is done here and not in shell.
 */
export function registerHook(program: Command, exitWith: ExitWith): void {
  const hook = program.command('hook').description('Start pipelines on a running sluice serve from commits to a local git repository');

  dataDirOption(
    hook
      .command('install')
      .description('Install a post-commit hook that delivers each commit to the repository, as a GitHub push, to a running sluice serve')
      .argument('<repo-path>', 'a git working tree')
      .requiredOption('--pipeline <name>', 'the pipeline whose start the hook reports')
      .option('--force', 'replace a post-commit hook that Sluice did not write'),
  ).action(
    exitWith(async (repoPath: string, options: HookOptions & { force?: boolean }) => {
      const { HookExistsError, installHook, workingTreeOf } = await import('../../adapters/local/git-hooks');
      const repositoryDir = path.resolve(repoPath);
      if ((await workingTreeOf(repositoryDir)) === undefined) {
        console.error(`${repositoryDir} is not a git working tree.`);
        return ExitCode.BadInput;
      }
      // Absolute paths, and this very node and bundle: git runs hooks with its own PATH and directory.
      const notify = [
        process.execPath,
        path.resolve(process.argv[1]!),
        'hook',
        'notify',
        '--data-dir',
        path.resolve(options.dataDir),
        '--pipeline',
        options.pipeline,
        '--repo',
        repositoryDir,
      ];
      try {
        const written = await installHook(repositoryDir, 'post-commit', notify, { force: options.force });
        console.log(
          `Installed ${written}: each commit starts the pipelines it matches (${options.pipeline} among them) on a running sluice serve --data-dir ${path.resolve(options.dataDir)}.`,
        );
        return ExitCode.Ok;
      } catch (error) {
        if (!(error instanceof HookExistsError)) throw error;
        console.error(error.message);
        return ExitCode.BadInput;
      }
    }),
  );

  dataDirOption(
    hook
      .command('notify')
      .description('Deliver the commit at HEAD, as a signed GitHub push, to the sluice serve of the data dir (what the installed hook runs); never fails')
      .requiredOption('--pipeline <name>', 'the pipeline whose start to report')
      .requiredOption('--repo <path>', 'the git working tree'),
  ).action(
    exitWith(async (options: HookOptions & { repo: string }) => {
      try {
        console.log(`sluice: ${await notifyServe(path.resolve(options.dataDir), options.pipeline, path.resolve(options.repo))}`);
      } catch (error) {
        console.log(`sluice: could not tell sluice serve of the commit: ${(error as Error).message}`);
      }
      // The commit is made whatever happened here.
      return ExitCode.Ok;
    }),
  );
}

/** Delivers HEAD to the serve that owns the data dir; returns the line to print. */
async function notifyServe(dataDir: string, pipeline: string, repositoryDir: string): Promise<string> {
  const [{ isAlive, readDataDirOwner }, { lastCommit }, { webhookSecret }, { localPushPayload }, { postGitHubDelivery }] = await Promise.all([
    import('../../adapters/local/data-dir-lock'),
    import('../../adapters/local/git-hooks'),
    import('../../adapters/local/webhook-secret-file'),
    import('../../core/local-push'),
    import('../../adapters/github/webhook-delivery'),
  ]);
  const owner = await readDataDirOwner(dataDir);
  if (!owner?.api || owner.command !== 'serve' || !isAlive(owner.pid)) return `no sluice serve is running on ${dataDir}; ${pipeline} was not started.`;
  const commit = await lastCommit(repositoryDir);
  if (!commit) return `HEAD is not on a branch; ${pipeline} was not started.`;
  const body = JSON.stringify(localPushPayload(commit));
  const response = await postGitHubDelivery(new URL('webhooks/github', owner.api.url), {
    event: 'push',
    body,
    secret: await webhookSecret(dataDir),
    signal: AbortSignal.timeout(NOTIFY_TIMEOUT_MS),
  });
  const answer = (await response.json()) as {
    message?: string;
    started?: { pipelineName: string; pipelineExecutionId: string }[];
    skipped?: { pipelineName: string; reason: string }[];
  };
  if (!response.ok) return `sluice serve refused the commit (${response.status}): ${answer.message ?? ''}`;
  const started = answer.started?.find((execution) => execution.pipelineName === pipeline);
  if (started) return `started ${pipeline} execution ${started.pipelineExecutionId} at ${commit.sha.slice(0, 7)}.`;
  const skipped = answer.skipped?.find((skip) => skip.pipelineName === pipeline);
  return skipped ? `${pipeline} did not start: ${skipped.reason}.` : `${pipeline} is not a pipeline of ${dataDir}.`;
}
