import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ActionContext, ActionOutcome } from '../../lib/actions/action-provider';
import { S3BlobStore } from '../../lib/adapters/aws/s3-blob-store';
import { ArtifactStore } from '../../lib/artifacts/artifact-store';
import type { ActionDeclaration } from '../../lib/core/declaration';
import type { S3Client } from '@aws-sdk/client-s3';
import { removeDirectory, stackPerSuite } from './embedded-stack';
import { gitRepository } from './git-repository';

export const SOURCE_ARTIFACT_BUCKET = 'sluice-artifacts';

/**
 * A real repository whose branch main has moved on from its first commit (README.md, an
 * executable build.sh, a nested file) to a second one that rewrites README.md; `prepare` adds to
 * the second commit, and `env` sets its dates.
 */
export async function movedOnRepository(second: { prepare?: (dir: string) => Promise<void>; env?: NodeJS.ProcessEnv } = {}) {
  const { dir, commit: firstCommit } = gitRepository({
    'README.md': 'first\n',
    'build.sh': '#!/bin/sh\necho built\n',
    'src/lib/deep/util.js': 'export const util = 1;\n',
  });
  await writeFile(path.join(dir, 'README.md'), 'second\n');
  await second.prepare?.(dir);
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args], {
      cwd: dir,
      stdio: 'pipe',
      env: { ...process.env, ...second.env },
    })
      .toString()
      .trim();
  git('add', '-A');
  git('commit', '-q', '-m', 'second commit\n\nwith a body');
  return { dir, firstCommit, headCommit: git('rev-parse', 'HEAD') };
}

/** Runs a source action on an S3 as the action runner would, and reads its artifact back. */
export class SourceActionHarness {
  readonly artifacts: ArtifactStore;
  readonly blobs: S3BlobStore;

  private constructor(
    s3: S3Client,
    private readonly scratch: string,
    readonly artifactBucket: string,
  ) {
    this.blobs = new S3BlobStore(s3);
    this.artifacts = new ArtifactStore(this.blobs);
  }

  /** A harness whose actions store their artifacts in `artifactBucket`, which it creates. */
  static async start(s3: S3Client, scratch: string, artifactBucket = SOURCE_ARTIFACT_BUCKET): Promise<SourceActionHarness> {
    const harness = new SourceActionHarness(s3, scratch, artifactBucket);
    await harness.blobs.ensureBucket(artifactBucket);
    return harness;
  }

  /** The context of action `App` of pipeline `webapp`, with `action` and `extra` over it, and its log. */
  async context(
    action: Pick<ActionDeclaration, 'actionTypeId' | 'configuration'>,
    extra: Partial<ActionContext> = {},
  ): Promise<{ context: ActionContext; log: string[] }> {
    const log: string[] = [];
    const context: ActionContext = {
      pipelineName: 'webapp',
      executionId: 'execution-1',
      stageName: 'Source',
      action: { name: 'App', ...action, outputArtifacts: [{ name: 'SourceOutput' }] },
      inputArtifacts: [],
      artifactBucket: this.artifactBucket,
      artifacts: this.artifacts,
      blobs: this.blobs,
      workspace: await mkdtemp(path.join(this.scratch, 'workspace-')),
      log: (text) => log.push(text),
      signal: new AbortController().signal,
      ...extra,
    };
    return { context, log };
  }

  /** Extracts the action's artifact, as a later action would get it; returns the directory and the names in it. */
  async fetchBack(outcome: ActionOutcome): Promise<{ directory: string; names: string[] }> {
    const directory = await mkdtemp(path.join(this.scratch, 'fetched-'));
    return { directory, names: (await this.artifacts.fetchArtifact(outcome.outputArtifacts[0]!, directory)).sort() };
  }
}

/**
 * For the enclosing describe: a harness on the suite's embedded stack, and a repository moved on
 * once by `movedOnRepository(second)`, removed after the suite.
 */
export function gitSourceSuite(second: Parameters<typeof movedOnRepository>[0] = {}) {
  const suite = stackPerSuite();
  const source = {} as { harness: SourceActionHarness; repository: string; firstCommit: string; headCommit: string };
  beforeAll(async () => {
    source.harness = await SourceActionHarness.start(suite.test.clients.s3, suite.scratch);
    const moved = await movedOnRepository(second);
    Object.assign(source, { repository: moved.dir, firstCommit: moved.firstCommit, headCommit: moved.headCommit });
  });
  afterAll(() => removeDirectory(source.repository));
  return source;
}

/** A git source action (CodeCommit, CodeStarSourceConnection) on a `movedOnRepository`, as its test runs it. */
export interface GitSourceSubject {
  run(options: { configuration?: Record<string, string>; sourceRevision?: string }): Promise<{ outcome: ActionOutcome; log: string }>;
  fetchBack(outcome: ActionOutcome): Promise<{ directory: string; names: string[] }>;
  /** The commit the branch has moved on from. */
  firstCommit: string;
  /** What the error says when the repository has no branch no-such-branch. */
  noSuchBranch: string;
}

/**
 * Checks that `outcome` stored the head of a `movedOnRepository` as its artifact, with `names` in
 * it, executables and nested directories intact; returns where the artifact was extracted.
 */
export async function expectHeadArtifact(subject: Pick<GitSourceSubject, 'fetchBack'>, outcome: ActionOutcome, names: string[]): Promise<string> {
  expect(outcome.outputArtifacts).toEqual([
    { bucketName: SOURCE_ARTIFACT_BUCKET, objectKey: expect.stringMatching(/^webapp\/SourceOutput\/[A-Za-z0-9_-]{8}\.zip$/) },
  ]);
  const fetched = await subject.fetchBack(outcome);
  expect(fetched.names).toEqual(names);
  const { directory } = fetched;
  expect(await readFile(path.join(directory, 'README.md'), 'utf8')).toBe('second\n');
  expect((await stat(path.join(directory, 'build.sh'))).mode & 0o777).toBe(0o755);
  expect((await stat(path.join(directory, 'README.md'))).mode & 0o111).toBe(0);
  expect(await readFile(path.join(directory, 'src/lib/deep/util.js'), 'utf8')).toBe('export const util = 1;\n');
  return directory;
}

/** What every git source action does alike: it builds a pinned commit, names a missing branch, and refuses CODEBUILD_CLONE_REF at run time. */
export function describeGitSourceContract(subject: () => GitSourceSubject): void {
  it('builds the commit the execution pins, though the branch has moved on', async () => {
    const { run, fetchBack, firstCommit } = subject();
    const { outcome, log } = await run({ sourceRevision: firstCommit });

    expect(outcome.outputVariables).toMatchObject({ CommitId: firstCommit, CommitMessage: 'first commit', BranchName: 'main' });
    expect(outcome.externalExecutionId).toBe(firstCommit);
    const { directory, names } = await fetchBack(outcome);
    expect(names).toEqual(['README.md', 'build.sh', 'src/lib/deep/util.js']);
    expect(await readFile(path.join(directory, 'README.md'), 'utf8')).toBe('first\n');
    expect(log).toContain('the commit the execution pins');
  });

  it('fails with a NotFound error that names the branch, when the repository has no such branch', async () => {
    const { run, noSuchBranch } = subject();
    const running = run({ configuration: { BranchName: 'no-such-branch' } });

    await expect(running).rejects.toMatchObject({ name: 'Sluice.NotFound', message: expect.stringContaining(noSuchBranch) });
  });

  it('refuses CODEBUILD_CLONE_REF at run time too, where a variable resolved to it', async () => {
    await expect(subject().run({ configuration: { OutputArtifactFormat: 'CODEBUILD_CLONE_REF' } })).rejects.toMatchObject({
      name: 'Sluice.BadInput',
      message: expect.stringContaining('does not support OutputArtifactFormat CODEBUILD_CLONE_REF'),
    });
  });
}
