import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseBuildspec } from '../../../../lib/actions/codebuild/buildspec';
import { runLocalBuild, type LocalBuildRequest } from '../../../../lib/actions/codebuild/local-build';

const temporary: string[] = [];
afterEach(async () => {
  await Promise.all(temporary.splice(0).map((directory) => rm(directory, { recursive: true, force: true })));
});

async function build(buildspecLines: string[], request: Partial<LocalBuildRequest> = {}) {
  const sourceDirectory = await mkdtemp(path.join(tmpdir(), 'sluice-source-'));
  temporary.push(sourceDirectory);
  const chunks: string[] = [];
  const result = await runLocalBuild({
    buildspec: parseBuildspec(buildspecLines.join('\n'), 'buildspec.yml'),
    sourceDirectory,
    secondarySourceDirectories: {},
    environment: {},
    timeoutSeconds: 20,
    onLog: (text) => chunks.push(text),
    ...request,
  });
  const inSource = (file: string) => readFile(path.join(sourceDirectory, file), 'utf8');
  return { result, log: chunks.join(''), sourceDirectory, inSource };
}

/** Asserts that the texts appear in the log in this order. */
function expectInOrder(log: string, texts: string[]): void {
  let from = 0;
  for (const text of texts) {
    const at = log.indexOf(text, from);
    if (at === -1) throw new Error(`"${text}" does not appear after position ${from} in the log:\n${log}`);
    from = at + text.length;
  }
}

/** Processes whose command line holds `marker`; pgrep is run without a shell so that it cannot match itself. */
function processesMatching(marker: string): string {
  try {
    return execFileSync('pgrep', ['-f', marker], { encoding: 'utf8' });
  } catch {
    return '';
  }
}

describe('runLocalBuild', () => {
  it("runs in this process's environment without Sluice's own settings, or in the base environment it is given", async () => {
    const savedToken = process.env.SLUICE_GITHUB_TOKEN;
    process.env.SLUICE_GITHUB_TOKEN = 'ghp_not_for_builds';
    process.env.BUILD_TEST_USER_VARIABLE = 'from-the-user';
    try {
      const local = await build(['version: 0.2', 'phases:', '  build:', '    commands: [env]']);
      expect(local.log).toMatch(/^BUILD_TEST_USER_VARIABLE=from-the-user$/m);
      expect(local.log).toMatch(/^CI=true$/m);
      expect(local.log).not.toContain('ghp_not_for_builds');

      const given = await build(['version: 0.2', 'phases:', '  build:', '    commands: [env]'], {
        baseEnvironment: { PATH: process.env.PATH, ONLY_THIS: '1' },
      });
      expect(given.log).toMatch(/^ONLY_THIS=1$/m);
      expect(given.log).not.toContain('BUILD_TEST_USER_VARIABLE');
    } finally {
      if (savedToken === undefined) delete process.env.SLUICE_GITHUB_TOKEN;
      else process.env.SLUICE_GITHUB_TOKEN = savedToken;
      delete process.env.BUILD_TEST_USER_VARIABLE;
    }
  });

  it('runs all phases in one shell, so cd and export carry over', async () => {
    const { result, inSource } = await build([
      'version: 0.2',
      'phases:',
      '  install:',
      '    commands: [mkdir -p sub, cd sub, export X=1]',
      '  pre_build:',
      '    commands: [\'echo "pre $X" > pre.txt\']',
      '  build:',
      '    commands: [\'X=$((X + 1)); echo "build $X in $(basename "$PWD")" > build.txt\']',
      '  post_build:',
      '    commands: [\'echo "post $X" > post.txt\']',
    ]);
    expect(result).toEqual({ status: 'SUCCEEDED', exportedVariables: {}, artifacts: { secondary: {} }, reports: [] });
    expect(await inSource('sub/pre.txt')).toBe('pre 1\n');
    expect(await inSource('sub/build.txt')).toBe('build 2 in sub\n');
    expect(await inSource('sub/post.txt')).toBe('post 2\n');
  });

  it('runs each command in its own shell for version 0.1', async () => {
    const { result, sourceDirectory } = await build(['version: 0.1', 'phases:', '  build:', '    commands: [mkdir -p sub, cd sub, touch where.txt]']);
    expect(result.status).toBe('SUCCEEDED');
    expect(existsSync(path.join(sourceDirectory, 'where.txt'))).toBe(true);
  });

  it('lets the request override env.variables, and sets the CodeBuild variables', async () => {
    const extra = await mkdtemp(path.join(tmpdir(), 'sluice-extra-'));
    temporary.push(extra);
    const { result, inSource, sourceDirectory } = await build(
      [
        'version: 0.2',
        'env:',
        '  variables: { FROM_SPEC: spec, OVERRIDDEN: spec, NUMBER: 42 }',
        'phases:',
        '  build:',
        '    commands:',
        '      - echo "$FROM_SPEC $OVERRIDDEN $NUMBER $FROM_ACTION $CI $CODEBUILD_BUILD_SUCCEEDING" > env.txt',
        '      - echo "$CODEBUILD_SRC_DIR|$CODEBUILD_SRC_DIR_Extra|$HOME" > dirs.txt',
      ],
      { environment: { OVERRIDDEN: 'action', FROM_ACTION: 'action' }, secondarySourceDirectories: { Extra: extra } },
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(await inSource('env.txt')).toBe('spec action 42 action true 1\n');
    expect(await inSource('dirs.txt')).toBe(`${sourceDirectory}|${extra}|${process.env.HOME}\n`);
  });

  it('returns env.exported-variables as the shell holds them at the end', async () => {
    const { result } = await build([
      'version: 0.2',
      'env:',
      '  variables: { STAGE: beta }',
      '  exported-variables: [IMAGE_TAG, STAGE, MULTILINE, NEVER_SET]',
      'phases:',
      '  pre_build:',
      '    commands: [export IMAGE_TAG=first]',
      '  build:',
      '    commands:',
      '      - IMAGE_TAG="v1.2 (final)"',
      '      - export MULTILINE="$(printf \'a\\nb\')"',
    ]);
    expect(result.exportedVariables).toEqual({ IMAGE_TAG: 'v1.2 (final)', STAGE: 'beta', MULTILINE: 'a\nb', NEVER_SET: '' });
  });

  it('fails on a failing build command, still runs finally, post_build and UPLOAD_ARTIFACTS, and keeps no artifacts', async () => {
    const temporaryRoot = await mkdtemp(path.join(tmpdir(), 'sluice-build-root-'));
    temporary.push(temporaryRoot);
    const { result, log, inSource } = await build(
      [
        'version: 0.2',
        'env:',
        '  exported-variables: [REACHED]',
        'phases:',
        '  build:',
        '    commands: [echo before, export REACHED=build, sh -c "exit 3", echo never-printed]',
        '    finally: [\'echo "finally $CODEBUILD_BUILD_SUCCEEDING" > finally.txt\']',
        '  post_build:',
        '    commands: [\'echo "post $CODEBUILD_BUILD_SUCCEEDING" > post.txt\']',
        'artifacts:',
        "  files: ['**/*']",
      ],
      { temporaryRoot },
    );
    expect(await readdir(temporaryRoot)).toEqual([]);
    expect(result).toEqual({
      status: 'FAILED',
      failedPhase: 'BUILD',
      failedCommand: 'sh -c "exit 3"',
      exitCode: 3,
      message: 'Error while executing command: sh -c "exit 3". Reason: exit status 3',
      exportedVariables: { REACHED: 'build' },
      artifacts: { secondary: {} },
      reports: [],
    });
    expect(await inSource('finally.txt')).toBe('finally 0\n');
    expect(await inSource('post.txt')).toBe('post 0\n');
    expect(log).not.toContain('never-printed');
    expectInOrder(log, [
      'Command did not exit successfully sh -c "exit 3" exit status 3',
      'Running command echo "finally',
      'Phase complete: BUILD State: FAILED',
      'Phase context status code: COMMAND_EXECUTION_ERROR Message: Error while executing command: sh -c "exit 3". Reason: exit status 3',
      'Entering phase POST_BUILD',
      'Phase complete: POST_BUILD State: SUCCEEDED',
      'Phase complete: UPLOAD_ARTIFACTS State: SUCCEEDED',
    ]);
  });

  it('still attempts UPLOAD_ARTIFACTS when post_build fails, and reports the post_build failure', async () => {
    const { result, log } = await build([
      'version: 0.2',
      'phases:',
      '  build: { commands: [touch built] }',
      "  post_build: { commands: ['false'] }",
      'artifacts:',
      '  files: [missing/**/*]',
    ]);
    expect(result).toMatchObject({ status: 'FAILED', failedPhase: 'POST_BUILD', failedCommand: 'false', artifacts: { secondary: {} } });
    expectInOrder(log, ['Phase complete: POST_BUILD State: FAILED', 'Expanding missing/**/*', 'Phase complete: UPLOAD_ARTIFACTS State: FAILED']);
  });

  it('goes straight to the end when pre_build fails: no build, no post_build, no UPLOAD_ARTIFACTS', async () => {
    const { result, log, sourceDirectory } = await build([
      'version: 0.2',
      'phases:',
      "  pre_build: { commands: ['false'], finally: [touch pre_build-finally] }",
      '  build: { commands: [touch build] }',
      '  post_build: { commands: [touch post_build] }',
      'artifacts:',
      "  files: ['**/*']",
    ]);
    expect(result).toMatchObject({ status: 'FAILED', failedPhase: 'PRE_BUILD', failedCommand: 'false' });
    expect(existsSync(path.join(sourceDirectory, 'pre_build-finally'))).toBe(true);
    for (const skipped of ['build', 'post_build']) expect(existsSync(path.join(sourceDirectory, skipped))).toBe(false);
    expect(log).not.toContain('UPLOAD_ARTIFACTS');
  });

  it('fails the phase when a finally command fails, and sets CODEBUILD_BUILD_SUCCEEDING to 0 for the phases after it', async () => {
    const { result, inSource } = await build([
      'version: 0.2',
      'phases:',
      '  build:',
      '    commands: [\'echo "build $CODEBUILD_BUILD_SUCCEEDING" > build.txt\']',
      "    finally: ['false', touch never]",
      '  post_build: { commands: [\'echo "post $CODEBUILD_BUILD_SUCCEEDING" > post.txt\'] }',
    ]);
    expect(result).toMatchObject({ status: 'FAILED', failedPhase: 'BUILD', failedCommand: 'false' });
    expect(await inSource('build.txt')).toBe('build 1\n');
    expect(await inSource('post.txt')).toBe('post 0\n');
    await expect(inSource('never')).rejects.toThrow();
  });

  it('skips the later phases when install fails', async () => {
    const { result, log, sourceDirectory } = await build([
      'version: 0.2',
      'phases:',
      '  install:',
      "    commands: ['false']",
      '    finally: [touch install-finally]',
      '  pre_build: { commands: [touch pre_build] }',
      '  build: { commands: [touch build] }',
      '  post_build: { commands: [touch post_build] }',
    ]);
    expect(result).toMatchObject({ status: 'FAILED', failedPhase: 'INSTALL', failedCommand: 'false', exitCode: 1 });
    expect(existsSync(path.join(sourceDirectory, 'install-finally'))).toBe(true);
    for (const skipped of ['pre_build', 'build', 'post_build']) expect(existsSync(path.join(sourceDirectory, skipped))).toBe(false);
    expect(log).not.toContain('Entering phase PRE_BUILD');
  });

  it('goes on to the next phase with on-failure CONTINUE, and the build still fails', async () => {
    const { result, sourceDirectory } = await build([
      'version: 0.2',
      'phases:',
      '  install:',
      '    on-failure: CONTINUE',
      "    commands: ['false', touch rest-of-install]",
      '  build: { commands: [touch build] }',
    ]);
    expect(result).toMatchObject({ status: 'FAILED', failedPhase: 'INSTALL', failedCommand: 'false' });
    expect(existsSync(path.join(sourceDirectory, 'rest-of-install'))).toBe(false);
    expect(existsSync(path.join(sourceDirectory, 'build'))).toBe(true);
  });

  it('skips post_build and UPLOAD_ARTIFACTS when a build phase with on-failure ABORT fails', async () => {
    const { result, log, sourceDirectory } = await build([
      'version: 0.2',
      'phases:',
      "  build: { on-failure: ABORT, commands: ['false'], finally: [touch build-finally] }",
      '  post_build: { commands: [touch post_build] }',
      'artifacts:',
      "  files: ['**/*']",
    ]);
    expect(result).toMatchObject({ status: 'FAILED', failedPhase: 'BUILD' });
    expect(existsSync(path.join(sourceDirectory, 'build-finally'))).toBe(true);
    expect(existsSync(path.join(sourceDirectory, 'post_build'))).toBe(false);
    expect(log).not.toContain('UPLOAD_ARTIFACTS');
  });

  it('fails the build when a command exits the shell itself', async () => {
    const { result, log } = await build([
      'version: 0.2',
      'phases:',
      '  build: { commands: [exit 4, echo never-printed] }',
      '  post_build: { commands: [echo never-printed] }',
    ]);
    expect(result).toMatchObject({ status: 'FAILED', failedPhase: 'BUILD', failedCommand: 'exit 4', exitCode: 4 });
    expect(result.message).toContain('the shell exited with status 4');
    expect(log).not.toContain('never-printed');
  });

  it('uses env.shell', async () => {
    const { inSource } = await build([
      'version: 0.2',
      'env: { shell: /bin/sh }',
      'phases:',
      '  build: { commands: [\'echo "bash=${BASH_VERSION:-none}" > shell.txt\'] }',
    ]);
    expect(await inSource('shell.txt')).toBe('bash=none\n');
  });

  it('streams banners and output in order, on lines of their own', async () => {
    const { log } = await build([
      'version: 0.2',
      'phases:',
      '  install: { commands: [echo one, echo two >&2] }',
      '  build: { commands: [printf no-newline, echo three] }',
    ]);
    expectInOrder(log, [
      'Entering phase INSTALL\n',
      'Running command echo one\n',
      'one\n',
      'Running command echo two >&2\n',
      'two\n',
      'Phase complete: INSTALL State: SUCCEEDED\n',
      'Entering phase BUILD\n',
      'Running command printf no-newline\n',
      'no-newline\n[Container] ',
      'Running command echo three\n',
      'three\n',
      'Phase complete: BUILD State: SUCCEEDED\n',
    ]);
    expect(log).toMatch(/^\[Container\] \d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}\.\d{3} Entering phase INSTALL\n/);
  });

  it('times out: kills the whole process tree and settles promptly', async () => {
    const marker = `60.${process.pid}1`;
    const { result, log } = await build(
      [
        'version: 0.2',
        'phases:',
        `  build: { commands: ['sleep ${marker} & setsid sleep ${marker} & sh -c "sleep ${marker}"'] }`,
        '  post_build: { commands: [echo never-printed] }',
      ],
      { timeoutSeconds: 1 },
    );
    expect(result).toEqual({
      status: 'TIMED_OUT',
      failedPhase: 'BUILD',
      failedCommand: `sleep ${marker} & setsid sleep ${marker} & sh -c "sleep ${marker}"`,
      message: 'Build timed out after 1 seconds',
      exportedVariables: {},
      artifacts: { secondary: {} },
      reports: [],
    });
    expect(log).toContain('Build timed out after 1 seconds');
    expect(log).not.toContain('never-printed');
    expect(processesMatching(`sleep ${marker}`)).toBe('');
  });

  it('stops when the signal aborts, and kills what the build started', async () => {
    const marker = `60.${process.pid}2`;
    const controller = new AbortController();
    const { result } = await build(['version: 0.2', 'phases:', `  build: { commands: ['sleep ${marker}'] }`], {
      signal: controller.signal,
      onLog: (text) => {
        if (text.includes(`Running command sleep ${marker}`)) setTimeout(() => controller.abort(), 100);
      },
    });
    expect(result).toMatchObject({ status: 'STOPPED', failedPhase: 'BUILD', failedCommand: `sleep ${marker}` });
    expect(processesMatching(`sleep ${marker}`)).toBe('');
  });

  it('does not start when the signal has already aborted', async () => {
    const { result, sourceDirectory } = await build(['version: 0.2', 'phases: { build: { commands: [touch ran] } }'], {
      signal: AbortSignal.abort(),
    });
    expect(result.status).toBe('STOPPED');
    expect(existsSync(path.join(sourceDirectory, 'ran'))).toBe(false);
  });

  it('kills background processes left running when a build succeeds', async () => {
    const marker = `60.${process.pid}3`;
    const { result } = await build(['version: 0.2', 'phases:', `  build: { commands: ['sleep ${marker} &'] }`]);
    expect(result.status).toBe('SUCCEEDED');
    expect(processesMatching(`sleep ${marker}`)).toBe('');
  });

  it('fails before running anything when a Parameter Store variable has no endpoint to be read through, unless the request overrides it', async () => {
    const { result, sourceDirectory } = await build([
      'version: 0.2',
      'env: { parameter-store: { SLUICE_TEST_DB_PASSWORD: /prod/db/password } }',
      'phases: { build: { commands: [touch ran] } }',
    ]);
    expect(result).toMatchObject({ status: 'FAILED', failedPhase: 'DOWNLOAD_SOURCE' });
    expect(result.message).toBe(
      'SLUICE_TEST_DB_PASSWORD comes from Parameter Store, which a local build reads only through an endpoint: set AWS_ENDPOINT_URL_SSM or AWS_ENDPOINT_URL (to moto_server or LocalStack, say), or give the value as a PLAINTEXT variable',
    );
    expect(existsSync(path.join(sourceDirectory, 'ran'))).toBe(false);

    const given = await build(
      ['version: 0.2', 'env: { parameter-store: { SLUICE_TEST_DB_PASSWORD: /prod/db/password } }', 'phases: { build: { commands: [touch ran] } }'],
      { environment: { SLUICE_TEST_DB_PASSWORD: 'local' } },
    );
    expect(given.result.status).toBe('SUCCEEDED');
  });

  it('fails before running anything when a source directory does not exist', async () => {
    const missing = path.join(tmpdir(), `sluice-missing-${process.pid}`);
    const { result } = await build(['version: 0.2', 'phases: { build: { commands: [echo hi] } }'], {
      secondarySourceDirectories: { Extra: missing },
    });
    expect(result).toMatchObject({ status: 'FAILED', failedPhase: 'DOWNLOAD_SOURCE', message: `CODEBUILD_SRC_DIR_Extra ${missing} is not a directory` });
  });
});
