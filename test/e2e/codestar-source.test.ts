import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { killStartedSluice, startSluice } from '../support/cli';
import { startFakeBitbucket, type FakeHost } from '../support/fake-git-hosts';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github';
import { gitRepository } from '../support/git-repository';

// Whole pipelines through the CLI.
jest.setTimeout(90_000);

const TOKEN = 'ghp_sluice-test-token';
const BITBUCKET_TOKEN = 'bb-access-token';
const CONNECTION_ARN = 'arn:aws:codeconnections:us-east-1:123456789012:connection/abc';
let github: FakeGitHub;
let bitbucket: FakeHost;
let repository: { dir: string; commit: string };

beforeAll(async () => {
  github = await startFakeGitHub(TOKEN);
  bitbucket = await startFakeBitbucket([`Bearer ${BITBUCKET_TOKEN}`]);
  repository = gitRepository({ 'build.sh': '#!/bin/sh\necho "built $(cat src/name.txt)"\n', 'src/name.txt': 'app\n' }, 'feat: build');
  github.addRepository('octo/app', repository.dir);
  bitbucket.addRepository('octo/app', repository.dir);
});

afterEach(killStartedSluice);
afterAll(async () => {
  await github.close();
  await bitbucket.close();
});

function pipelineFile(): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'sluice-pipeline-')), 'pipeline.json');
  writeFileSync(
    file,
    JSON.stringify({
      name: 'from-github',
      pipelineType: 'V2',
      stages: [
        {
          name: 'Source',
          actions: [
            {
              name: 'App',
              actionTypeId: { category: 'Source', owner: 'AWS', provider: 'CodeStarSourceConnection', version: '1' },
              configuration: {
                ConnectionArn: CONNECTION_ARN,
                FullRepositoryId: 'octo/app',
                BranchName: 'main',
              },
              outputArtifacts: [{ name: 'Src' }],
              namespace: 'SourceVariables',
            },
          ],
        },
        {
          name: 'Build',
          actions: [
            {
              name: 'Run',
              actionTypeId: { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1' },
              commands: [
                './build.sh',
                'test "#{SourceVariables.CommitId}" = "' + repository.commit + '"',
                'test "#{SourceVariables.FullRepositoryName}" = "octo/app"',
              ],
              inputArtifacts: [{ name: 'Src' }],
            },
          ],
        },
      ],
    }),
  );
  return file;
}

/** `sluice run` in a child process, since the fake GitHub answers from this one. */
async function run(env: NodeJS.ProcessEnv, settings?: object): Promise<{ code: number | null; output: string }> {
  const data = mkdtempSync(path.join(tmpdir(), 'sluice-data-'));
  if (settings) writeFileSync(path.join(data, 'settings.json'), JSON.stringify(settings));
  const cli = startSluice(['run', pipelineFile(), '--data-dir', data], { env });
  const code = await cli.exit;
  return { code, output: cli.output() };
}

describe('sluice run with a CodeStarSourceConnection source', () => {
  it('builds the head of the branch that GitHub serves, with the token from SLUICE_GITHUB_TOKEN', async () => {
    const result = await run({ SLUICE_GITHUB_TOKEN: TOKEN, SLUICE_GITHUB_API_URL: github.apiUrl });

    expect(result).toMatchObject({ code: 0, output: expect.stringContaining('built app') });
  });

  it('fails the source action, saying what to set, without SLUICE_GITHUB_TOKEN', async () => {
    const result = await run({ SLUICE_GITHUB_TOKEN: '', SLUICE_GITHUB_API_URL: github.apiUrl });

    expect(result.code).toBe(1);
    expect(result.output).toContain('Source/App: failed');
    expect(result.output).toContain(`Connection ${CONNECTION_ARN} reaches GitHub, and no GitHub token is configured: set SLUICE_GITHUB_TOKEN.`);
  });

  it("builds the branch from Bitbucket, with SLUICE_BITBUCKET_TOKEN, when the data dir's settings say the connection reaches Bitbucket", async () => {
    const result = await run(
      { SLUICE_GITHUB_TOKEN: '', SLUICE_BITBUCKET_TOKEN: BITBUCKET_TOKEN, SLUICE_BITBUCKET_API_URL: bitbucket.url },
      { connections: { abc: { type: 'Bitbucket' } } },
    );

    expect(result).toMatchObject({ code: 0, output: expect.stringContaining('built app') });
  });

  it('refuses a bad connections setting before running, naming the connection and what is wrong', async () => {
    const result = await run({ SLUICE_BITBUCKET_TOKEN: BITBUCKET_TOKEN }, { connections: { abc: { type: 'GitLabSelfManaged' } } });

    expect(result.code).not.toBe(0);
    expect(result.output).toContain("connections.abc.url: a GitLabSelfManaged connection needs the server's url");
  });
});
