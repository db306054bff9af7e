import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseBuildspec } from '../../../lib/actions/codebuild/buildspec';
import { runLocalBuild, type LocalBuildResult, type StagedArtifact } from '../../../lib/actions/codebuild/local-build';

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
