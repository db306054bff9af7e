import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sluice } from '../support/cli';

const WEBAPP = 'examples/webapp.pipeline.yml';

describe('sluice cost', () => {
  it('prints the tables per execution and for 1,000 a month, with CodePipeline beside them', () => {
    const result = sluice(['cost', WEBAPP]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Per execution');
    expect(result.stdout).toMatch(/Step Functions state transitions\s+30\s+\$0\.025 \/ 1,000 state transitions/);
    expect(result.stdout).toContain('1,000 executions a month');
    expect(result.stdout).toMatch(/Step Functions state transitions\s+30,000 .* \$0\.75/);
    // CodeBuild's own S3 log uploads are counted with the other S3 PUTs.
    expect(result.stdout).toMatch(/S3 PUT requests\s+7,000 .* \$0\.04/);
    expect(result.stdout).toMatch(/Sluice on AWS\s+\$1\.27/);
    expect(result.stdout).toMatch(/CodePipeline V2: 4 billed actions, 4 min an execution .*\$8\.00/);
    expect(result.stdout).toMatch(/CodePipeline V1: .*\$1\.00/);
    expect(result.stdout).toContain('CodeBuild compute: the same whether CodePipeline or Sluice starts the build.');
  });

  it('prices a polling action as a short run a look, and says what time its work is assumed to take', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sluice-cost-'));
    const file = path.join(dir, 'stack.yml');
    const stack = [
      '  - name: Infrastructure',
      '    actions:',
      '      - name: Stack',
      "        actionTypeId: { category: Deploy, owner: AWS, provider: CloudFormation, version: '1' }",
      "        configuration: { ActionMode: CREATE_UPDATE, StackName: webapp, TemplatePath: 'SourceOutput::template.yml' }",
      '        inputArtifacts: [{ name: SourceOutput }]',
    ];
    writeFileSync(file, `${readFileSync(WEBAPP, 'utf8').trimEnd()}\n${stack.join('\n')}\n`);
    const result = sluice(['cost', file]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Infrastructure/Stack: about 3 min, so 3 s to start it, then 21 looks of 0.5 s.');
    // The example's 30; the new stage's enter, Choice, Pass, run, Choice on its answer, result and
    // exit; the Choice that ends a rollback after Deploy, no longer the last stage; 21 looks of 3 states.
    expect(result.stdout).toMatch(/Step Functions state transitions\s+101\s/);
    expect(result.stdout).toMatch(/CodePipeline V2: 5 billed actions, 7 min an execution .*\$14\.00/);
  });

  it('gives the estimate as JSON with --json, for the executions asked for', () => {
    const result = sluice(['cost', WEBAPP, '--executions', '250', '--json']);
    expect(result.code).toBe(0);
    const estimate = JSON.parse(result.stdout);
    expect(estimate).toMatchObject({ file: WEBAPP, pipeline: 'webapp', executions: 250 });
    expect(estimate.usage.stateTransitions).toBe(30);
    expect(estimate.forExecutions.usd).toBeCloseTo(estimate.perExecution.usd * 250, 10);
    expect(estimate.codePipeline.v2.usd).toBeCloseTo(2);
    expect(estimate.excluded).toContain('CodeBuild compute: the same whether CodePipeline or Sluice starts the build.');
  });

  it('exits 2 on an invalid declaration, a missing file and a bad execution count', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sluice-cost-'));
    const invalid = path.join(dir, 'invalid.yml');
    writeFileSync(invalid, 'name: lonely\nstages:\n  - name: Only\n    actions: []\n');
    const result = sluice(['cost', invalid]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${invalid}: `);
    expect(sluice(['cost', path.join(dir, 'missing.yml')]).code).toBe(2);
    const count = sluice(['cost', WEBAPP, '--executions', '0']);
    expect(count.code).toBe(2);
    expect(count.stderr).toContain('"0" is not a whole number of executions');
    expect(sluice(['cost', WEBAPP, '--executions', '1.5']).code).toBe(2);
  });
});
