import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ActionDeclaration, PipelineDeclaration } from '../../lib/core/declaration';
import { sluice, writeDeclaration } from '../support/cli';
import { commandsOnSource, gitSourceStage } from '../support/declarations';
import { gitRepository } from '../support/git-repository';

jest.setTimeout(90_000);

const HANDLER = path.join(__dirname, '../fixtures/lambda/job-function.mjs');

interface RunReport {
  execution: { status: string };
  actions: { actionName: string; status: string; output?: { outputVariables?: Record<string, string> }; errorDetails?: { message: string } }[];
}

/** `sluice run --json` of a pipeline whose Deploy action invokes the fixture function `deploy-fn`, told what to do by `parameters`, then checks its variables with Commands. */
function runWithFunction(
  parameters: object,
  check: string[],
  artifacts: Partial<ActionDeclaration> = {},
  checkInput = 'Src',
): { code: number | null; run: RunReport; stderr: string } {
  const repo = gitRepository({ 'app.txt': 'v1' }).dir;
  const declaration: PipelineDeclaration = {
    name: 'lambda-run',
    stages: [
      gitSourceStage(repo),
      {
        name: 'Deploy',
        actions: [
          {
            name: 'Deploy',
            actionTypeId: { category: 'Invoke', owner: 'AWS', provider: 'Lambda', version: '1' },
            configuration: { FunctionName: 'deploy-fn', UserParameters: JSON.stringify(parameters) },
            namespace: 'DeployVars',
            ...artifacts,
          },
        ],
      },
      { name: 'Check', actions: [commandsOnSource('Check', check, checkInput)] },
    ],
  };
  const file = writeDeclaration(mkdtempSync(path.join(tmpdir(), 'sluice-lambda-pipeline-')), declaration);
  const data = mkdtempSync(path.join(tmpdir(), 'sluice-lambda-data-'));
  const result = sluice(['run', file, '--data-dir', data, '--json'], {
    // No AWS credentials: a function that runs from a handler file calls no AWS.
    env: { SLUICE_LAMBDA_HANDLERS: JSON.stringify({ 'deploy-fn': `${HANDLER}:handler` }), AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: '' },
  });
  return { code: result.code, run: JSON.parse(result.stdout) as RunReport, stderr: result.stderr };
}

describe('sluice run with a Lambda invoke action whose function is a handler file', () => {
  it('runs the function, which continues once with a token and then succeeds; a later action reads its output variables', () => {
    const { code, run, stderr } = runWithFunction({ mode: 'continue', variables: { Url: 'https://example.test/app' } }, [
      'test "#{DeployVars.Url}" = "https://example.test/app"',
      'test "#{DeployVars.Token}" = "round-2"',
    ]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    expect(run.execution.status).toBe('Succeeded');
    expect(run.actions.find((action) => action.actionName === 'Deploy')?.output?.outputVariables).toEqual({
      Url: 'https://example.test/app',
      Token: 'round-2',
    });
    expect(run.actions.find((action) => action.actionName === 'Check')?.status).toBe('Succeeded');
  });

  it("fails the run with the function's failure message", () => {
    const { code, run } = runWithFunction({ mode: 'fail' }, ['true']);
    expect(code).not.toBe(0);
    expect(run.execution.status).toBe('Failed');
    expect(run.actions.find((action) => action.actionName === 'Deploy')).toMatchObject({
      status: 'Failed',
      errorDetails: { message: 'the function could not deploy' },
    });
  });

  it("gives the function the embedded S3's endpoint: it reads its input artifact and writes its output artifact, which a later action reads", () => {
    const { code, run, stderr } = runWithFunction(
      { mode: 'copy' },
      ['test "$(cat app.txt)" = v1'],
      { inputArtifacts: [{ name: 'Src' }], outputArtifacts: [{ name: 'Copied' }] },
      'Copied',
    );
    expect({ code, stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    expect(run.actions.find((action) => action.actionName === 'Check')?.status).toBe('Succeeded');
  });
});
