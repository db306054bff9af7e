import { createWriteStream, existsSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseBuildspec } from '../../../../lib/actions/codebuild/buildspec';
import { pipeline } from 'node:stream/promises';
import { runLocalBuild, type LocalBuildResult, type StagedArtifact } from '../../../../lib/actions/codebuild/local-build';
import { extractZip, zipDirectory } from '../../../../lib/artifacts/zip';

const temporary: string[] = [];
afterEach(async () => {
  await Promise.all(temporary.splice(0).map((directory) => rm(directory, { recursive: true, force: true })));
});

/** A source tree the build itself writes, as real builds produce their outputs. */
const MAKE_OUTPUTS = [
  'mkdir -p dist/js dist/css docs/drafts',
  'echo app > dist/js/app.js',
  'echo map > dist/js/app.js.map',
  'echo style > dist/css/site.css',
  'echo root > dist/index.html',
  'echo hidden > dist/.well-known',
  'echo guide > docs/guide.md',
  'echo draft > docs/drafts/next.md',
];

async function build(artifactLines: string[], commands = MAKE_OUTPUTS): Promise<{ result: LocalBuildResult; log: string }> {
  const sourceDirectory = await mkdtemp(path.join(tmpdir(), 'sluice-source-'));
  temporary.push(sourceDirectory);
  const chunks: string[] = [];
  const buildspec = parseBuildspec(
    ['version: 0.2', 'phases:', '  build:', '    commands:', ...commands.map((command) => `      - ${command}`), 'artifacts:', ...artifactLines].join('\n'),
    'buildspec.yml',
  );
  const result = await runLocalBuild({
    buildspec,
    sourceDirectory,
    secondarySourceDirectories: {},
    environment: {},
    timeoutSeconds: 20,
    onLog: (text) => chunks.push(text),
  });
  for (const artifact of [result.artifacts.primary, ...Object.values(result.artifacts.secondary)]) {
    if (artifact) temporary.push(artifact.directory);
  }
  return { result, log: chunks.join('') };
}

/** The files actually in a staged directory, which must be exactly the ones it lists. */
async function stagedFiles(artifact: StagedArtifact | undefined): Promise<string[]> {
  if (!artifact) throw new Error('no artifact was staged');
  const entries = await readdir(artifact.directory, { recursive: true, withFileTypes: true });
  const files = entries.filter((entry) => entry.isFile()).map((entry) => path.relative(artifact.directory, path.join(entry.parentPath, entry.name)));
  expect([...files].sort()).toEqual([...artifact.files].sort());
  return [...artifact.files].sort();
}

describe('artifacts of a local build', () => {
  it('stages the files under base-directory, without the base directory, hidden files included', async () => {
    const { result, log } = await build(["  files: ['**/*']", '  base-directory: dist']);
    expect(result.status).toBe('SUCCEEDED');
    expect(await stagedFiles(result.artifacts.primary)).toEqual(['.well-known', 'css/site.css', 'index.html', 'js/app.js', 'js/app.js.map']);
    expect(await readFile(path.join(result.artifacts.primary!.directory, 'js/app.js'), 'utf8')).toBe('app\n');
    expect(log).toContain('Phase complete: UPLOAD_ARTIFACTS State: SUCCEEDED');
  });

  it('leaves out exclude-paths', async () => {
    const { result } = await build(["  files: ['**/*']", '  base-directory: dist', "  exclude-paths: ['**/*.map', '.*']"]);
    expect(await stagedFiles(result.artifacts.primary)).toEqual(['css/site.css', 'index.html', 'js/app.js']);
  });

  it('flattens the files with discard-paths: yes', async () => {
    const { result } = await build(['  files: [dist/js/*, dist/css/*]', '  discard-paths: yes']);
    expect(await stagedFiles(result.artifacts.primary)).toEqual(['app.js', 'app.js.map', 'site.css']);
  });

  it('fails when discard-paths would put two files at one path', async () => {
    const { result } = await build(['  files: [a/x.txt, b/x.txt]', '  discard-paths: yes'], ['mkdir a b', 'touch a/x.txt b/x.txt']);
    expect(result).toMatchObject({ status: 'FAILED', failedPhase: 'UPLOAD_ARTIFACTS', artifacts: { secondary: {} } });
    expect(result.message).toContain('puts two files at x.txt');
  });

  it('stages each secondary artifact by its identifier', async () => {
    const { result } = await build([
      "  files: ['dist/index.html']",
      '  secondary-artifacts:',
      '    Site:',
      "      files: ['**/*']",
      '      base-directory: dist',
      "      exclude-paths: ['js/*.map']",
      '    Docs:',
      "      files: ['docs/**/*']",
      "      exclude-paths: ['docs/drafts/**/*']",
    ]);
    expect(result.status).toBe('SUCCEEDED');
    expect(await stagedFiles(result.artifacts.primary)).toEqual(['dist/index.html']);
    expect(Object.keys(result.artifacts.secondary).sort()).toEqual(['Docs', 'Site']);
    expect(await stagedFiles(result.artifacts.secondary.Site)).toEqual(['.well-known', 'css/site.css', 'index.html', 'js/app.js']);
    expect(await stagedFiles(result.artifacts.secondary.Docs)).toEqual(['docs/guide.md']);
  });

  it('fails with "no matching artifact paths found" when nothing matches, staging nothing', async () => {
    const { result, log } = await build(["  files: ['build/**/*']"]);
    expect(result).toEqual({
      status: 'FAILED',
      failedPhase: 'UPLOAD_ARTIFACTS',
      message: 'no matching artifact paths found',
      exportedVariables: {},
      artifacts: { secondary: {} },
      reports: [],
    });
    expect(log).toContain('Skipping invalid file path build/**/*');
    expect(log).toContain('Phase complete: UPLOAD_ARTIFACTS State: FAILED');
    expect(log).toContain('Phase context status code: CLIENT_ERROR Message: no matching artifact paths found');
  });

  it('skips a pattern that matches nothing when others match, as CodeBuild does', async () => {
    const { result, log } = await build(["  files: ['dist/index.html', 'missing.txt']"]);
    expect(result.status).toBe('SUCCEEDED');
    expect(await stagedFiles(result.artifacts.primary)).toEqual(['dist/index.html']);
    expect(log).toContain('Skipping invalid file path missing.txt');
  });

  it('fails when a secondary artifact matches nothing, removing what was already staged', async () => {
    const unique = `staged-${process.pid}-${Date.now()}.txt`;
    const { result } = await build([`  files: [${unique}]`, '  secondary-artifacts:', "    Empty: { files: ['nothing/*'] }"], [`touch ${unique}`]);
    expect(result).toMatchObject({ status: 'FAILED', failedPhase: 'UPLOAD_ARTIFACTS', artifacts: { secondary: {} } });
    const stagingDirectories = (await readdir(tmpdir())).filter((name) => name.startsWith('sluice-artifact-'));
    expect(stagingDirectories.filter((name) => existsSync(path.join(tmpdir(), name, unique)))).toEqual([]);
  });

  it('fails when the base directory does not exist or leaves the source', async () => {
    expect((await build(['  files: ["**/*"]', '  base-directory: out'])).result.message).toBe('no matching base directory path found for out');
    expect((await build(['  files: ["**/*"]', '  base-directory: ../elsewhere'])).result.message).toContain('is outside CODEBUILD_SRC_DIR');
  });

  it('collects no artifacts when a phase fails', async () => {
    const sourceDirectory = await mkdtemp(path.join(tmpdir(), 'sluice-source-'));
    temporary.push(sourceDirectory);
    await mkdir(path.join(sourceDirectory, 'dist'));
    await writeFile(path.join(sourceDirectory, 'dist', 'app.js'), 'app');
    const result = await runLocalBuild({
      buildspec: parseBuildspec("version: 0.2\nphases: { post_build: { commands: ['false'] } }\nartifacts: { files: ['**/*'] }", 'buildspec.yml'),
      sourceDirectory,
      secondarySourceDirectories: {},
      environment: {},
      timeoutSeconds: 20,
      onLog: () => undefined,
    });
    expect(result).toMatchObject({ status: 'FAILED', failedPhase: 'POST_BUILD', artifacts: { secondary: {} } });
    expect(result.artifacts.primary).toBeUndefined();
  });
});

/** Zips a staged artifact as the build's upload does, and extracts it where the next action would. */
async function uploadAndFetch(artifact: StagedArtifact | undefined): Promise<string> {
  if (!artifact) throw new Error('no artifact was staged');
  const scratch = await mkdtemp(path.join(tmpdir(), 'sluice-upload-'));
  temporary.push(scratch);
  const zipFile = path.join(scratch, 'artifact.zip');
  await pipeline(zipDirectory(artifact.directory, { keepLinks: artifact.keepsLinks }), createWriteStream(zipFile));
  await extractZip(zipFile, path.join(scratch, 'out'));
  return path.join(scratch, 'out');
}

describe("symbolic links in a local build's output", () => {
  const passwd = '/etc/passwd';
  const outsideLinks = [`ln -s ${passwd} x`, 'mkdir -p dist', `ln -s ${passwd} dist/passwd`, 'ln -s ../../../../../../../../etc/hostname dist/hostname'];

  it.each([
    ['without enable-symlinks', []],
    ['with enable-symlinks: no', ['  enable-symlinks: no']],
    ['with enable-symlinks: yes', ['  enable-symlinks: yes']],
  ])('never puts a file from outside the source in the artifact, %s, and says so in the log', async (_, setting) => {
    const { result, log } = await build(["  files: ['**/*']", ...setting], ['echo own > own.txt', ...outsideLinks]);
    expect(result.status).toBe('SUCCEEDED');
    expect(result.artifacts.primary!.files).toEqual(['own.txt']);
    const fetched = await uploadAndFetch(result.artifacts.primary);
    expect(await readdir(fetched, { recursive: true })).toEqual(['own.txt']);
    expect(log).toContain(`Skipping x: it is a symbolic link to ${passwd}, outside CODEBUILD_SRC_DIR`);
    expect(log).toContain('Skipping dist/hostname: it is a symbolic link to ../../../../../../../../etc/hostname, outside CODEBUILD_SRC_DIR');
  });

  it('fails as an empty artifact does when its only file is a link to outside', async () => {
    const { result } = await build(["  files: ['x']"], [`ln -s ${passwd} x`]);
    expect(result).toMatchObject({ status: 'FAILED', failedPhase: 'UPLOAD_ARTIFACTS', message: 'no matching artifact paths found' });
  });

  it('follows a link to a file inside the source by default, as CodeBuild does', async () => {
    const { result } = await build(["  files: ['**/*']"], ['mkdir -p lib bin', 'echo tool > lib/tool.js', 'ln -s ../lib/tool.js bin/tool']);
    const fetched = await uploadAndFetch(result.artifacts.primary);
    expect((await lstat(path.join(fetched, 'bin/tool'))).isSymbolicLink()).toBe(false);
    expect(await readFile(path.join(fetched, 'bin/tool'), 'utf8')).toBe('tool\n');
  });

  it('keeps a link inside the artifact as a link with enable-symlinks: yes, to a file or a directory', async () => {
    const { result } = await build(
      ["  files: ['**/*']", '  base-directory: dist', '  enable-symlinks: yes'],
      [
        'mkdir -p dist/lib dist/bin',
        'echo tool > dist/lib/tool.js',
        'ln -s ../lib/tool.js dist/bin/tool',
        'ln -s lib dist/current',
        `ln -s "$PWD/dist/lib/tool.js" dist/absolute`,
      ],
    );
    expect(result.status).toBe('SUCCEEDED');
    const fetched = await uploadAndFetch(result.artifacts.primary);
    expect(await readlink(path.join(fetched, 'bin/tool'))).toBe('../lib/tool.js');
    expect(await readlink(path.join(fetched, 'current'))).toBe('lib');
    // An absolute link inside the source would lead nowhere once extracted elsewhere: it becomes relative.
    expect(await readlink(path.join(fetched, 'absolute'))).toBe('lib/tool.js');
    expect(await readFile(path.join(fetched, 'bin/tool'), 'utf8')).toBe('tool\n');
  });

  it('follows, with enable-symlinks: yes, a link that leaves the base directory but not the source', async () => {
    const { result } = await build(
      ["  files: ['**/*']", '  base-directory: dist', '  enable-symlinks: yes'],
      ['mkdir -p dist', 'echo shared > shared.txt', 'ln -s ../shared.txt dist/shared'],
    );
    const fetched = await uploadAndFetch(result.artifacts.primary);
    expect((await lstat(path.join(fetched, 'shared'))).isFile()).toBe(true);
    expect(await readFile(path.join(fetched, 'shared'), 'utf8')).toBe('shared\n');
  });
});
