import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { awsCodePipeline, awsToolEnvironment } from '../support/aws-cli';
import { killStartedSluice, printedCredentials, startSluice, writeDeclaration, type RunningCli } from '../support/cli';
import { commandsOnSource, gitSourceStage, reviewStage } from '../support/declarations';
import { ROOT } from '../support/fixtures';
import { gitRepository } from '../support/git-repository';

jest.setTimeout(180_000);

let serve: RunningCli;
let dataDir: string;
/** The environment AWS's own tools run in: the installation's credentials, any region, no profile of the machine's. */
let awsEnv: NodeJS.ProcessEnv;
let endpoint: string;

/** Runs `aws codepipeline …` against sluice serve; its JSON output parsed, or its refusal. */
const aws = (args: string[]) => awsCodePipeline(endpoint, awsEnv, args);

/** Runs a boto3 script that finds the endpoint the way every AWS SDK does: in AWS_ENDPOINT_URL_CODEPIPELINE. */
function boto3(script: string, args: string[]): unknown {
  const result = spawnSync('python3', ['-c', script, ...args], {
    env: { ...awsEnv, AWS_ENDPOINT_URL_CODEPIPELINE: endpoint },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.status !== 0) throw new Error(`boto3 failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

type ActionLatest = { status: string; token?: string };
const reviewOf = (state: Record<string, unknown>) =>
  (state.stageStates as { stageName: string; actionStates: { latestExecution?: ActionLatest }[]; latestExecution?: { pipelineExecutionId: string } }[])[1]!;

/** Polls get-pipeline-state until the Review approval of `executionId` waits; returns its token. */
async function waitingToken(executionId: string): Promise<string> {
  for (let attempt = 0; attempt < 300; attempt += 1) {
    const review = reviewOf(aws(['get-pipeline-state', '--name', 'released']).json!);
    const latest = review.actionStates[0]!.latestExecution;
    if (review.latestExecution?.pipelineExecutionId === executionId && latest?.status === 'InProgress' && latest.token) return latest.token;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`No approval came to wait for ${executionId}. sluice serve printed:\n${serve.output()}`);
}

async function finalStatus(executionId: string): Promise<string> {
  for (let attempt = 0; attempt < 300; attempt += 1) {
    const { pipelineExecution } = aws(['get-pipeline-execution', '--pipeline-name', 'released', '--pipeline-execution-id', executionId]).json as {
      pipelineExecution: { status: string };
    };
    if (pipelineExecution.status !== 'InProgress') return pipelineExecution.status;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`Execution ${executionId} never ended. sluice serve printed:\n${serve.output()}`);
}

const BOTO3_PAGES = `
import boto3, json, sys
client = boto3.client('codepipeline')
pages = client.get_paginator('list_pipeline_executions').paginate(pipelineName=sys.argv[1], PaginationConfig={'PageSize': 1})
print(json.dumps([[e['pipelineExecutionId'] for e in page['pipelineExecutionSummaries']] for page in pages]))
`;

const BOTO3_APPROVE = `
import boto3, json, sys
client = boto3.client('codepipeline')
answer = client.put_approval_result(pipelineName=sys.argv[1], stageName='Review', actionName='Review', token=sys.argv[2], result={'status': 'Rejected', 'summary': 'not this one'})
print(json.dumps({'approvedAt': answer['approvedAt'].isoformat()}))
`;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'sluice-aws-cli-'));
  serve = startSluice(['serve', '--port', '0', '--quiet', '--data-dir', dataDir]);
  endpoint = (await serve.waitFor(/serving .* at (http:\/\/\S+)/))[1]!;
  awsEnv = awsToolEnvironment(dataDir, printedCredentials(dataDir), 'eu-central-1');
});

afterAll(async () => {
  await serve?.interrupt();
  killStartedSluice();
});

describe('the aws CLI and boto3 against sluice serve', () => {
  it('create, follow, approve, start, paginate, reject and delete a pipeline', async () => {
    const repo = gitRepository({ 'app.txt': 'v1' }, 'feat: reviewed release');
    const file = writeDeclaration(dataDir, {
      name: 'released',
      roleArn: 'arn:aws:iam::123456789012:role/PipelineRole',
      stages: [gitSourceStage(repo.dir), reviewStage('Review'), { name: 'Ship', actions: [commandsOnSource('Echo', ['echo shipped'])] }],
    });

    const created = aws(['create-pipeline', '--pipeline', `file://${file}`]);
    expect(created.code).toBe(0);
    expect(created.json).toMatchObject({ pipeline: { name: 'released', version: 1 } });
    // As the README has it: the credentials straight from sluice credentials, into the shell.
    const listed = spawnSync(
      'sh',
      [
        '-c',
        `eval "$("${process.execPath}" "${path.join(ROOT, 'dist/sluice.cjs')}" credentials --data-dir "$1")" && aws codepipeline list-pipelines --endpoint-url "$2"`,
        'sh',
        dataDir,
        endpoint,
      ],
      { env: { PATH: process.env.PATH, HOME: dataDir, AWS_DEFAULT_REGION: 'ap-southeast-2' }, encoding: 'utf8' },
    );
    expect(JSON.parse(listed.stdout)).toMatchObject({ pipelines: [{ name: 'released', version: 1, pipelineType: 'V1' }] });
    const [first] = (aws(['list-pipeline-executions', '--pipeline-name', 'released']).json!.pipelineExecutionSummaries as { pipelineExecutionId: string }[])!;

    const firstToken = await waitingToken(first!.pipelineExecutionId);
    const approved = aws([
      'put-approval-result',
      '--pipeline-name',
      'released',
      '--stage-name',
      'Review',
      '--action-name',
      'Review',
      '--token',
      firstToken,
      '--result',
      'status=Approved,summary=looks good',
    ]);
    expect(approved.code).toBe(0);
    expect(typeof approved.json!.approvedAt).toBe('number');
    expect(await finalStatus(first!.pipelineExecutionId)).toBe('Succeeded');
    const execution = aws(['get-pipeline-execution', '--pipeline-name', 'released', '--pipeline-execution-id', first!.pipelineExecutionId]).json!;
    expect(execution.pipelineExecution).toMatchObject({
      artifactRevisions: [{ name: 'Src', revisionId: repo.commit, revisionSummary: 'feat: reviewed release' }],
      executionType: 'STANDARD',
    });

    const started = aws(['start-pipeline-execution', '--name', 'released']);
    expect(started.code).toBe(0);
    const second = started.json!.pipelineExecutionId as string;
    const secondToken = await waitingToken(second);

    const firstPage = aws(['list-pipeline-executions', '--pipeline-name', 'released', '--page-size', '1', '--max-items', '1']);
    expect((firstPage.json!.pipelineExecutionSummaries as { pipelineExecutionId: string }[]).map((summary) => summary.pipelineExecutionId)).toEqual([second]);
    const nextPage = aws([
      'list-pipeline-executions',
      '--pipeline-name',
      'released',
      '--page-size',
      '1',
      '--max-items',
      '1',
      '--starting-token',
      firstPage.json!.NextToken as string,
    ]);
    expect((nextPage.json!.pipelineExecutionSummaries as { pipelineExecutionId: string }[]).map((summary) => summary.pipelineExecutionId)).toEqual([
      first!.pipelineExecutionId,
    ]);
    expect(boto3(BOTO3_PAGES, ['released'])).toEqual([[second], [first!.pipelineExecutionId]]);
    const succeeded = aws(['list-pipeline-executions', '--pipeline-name', 'released', '--filter', 'succeededInStage={stageName=Ship}']).json!;
    expect((succeeded.pipelineExecutionSummaries as { pipelineExecutionId: string }[]).map((summary) => summary.pipelineExecutionId)).toEqual([
      first!.pipelineExecutionId,
    ]);

    expect(boto3(BOTO3_APPROVE, ['released', secondToken])).toEqual({ approvedAt: expect.any(String) });
    expect(await finalStatus(second)).toBe('Failed');

    expect(aws(['delete-pipeline', '--name', 'released']).code).toBe(0);
    const gone = aws(['get-pipeline', '--name', 'released']);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain('PipelineNotFoundException');
  });
});
