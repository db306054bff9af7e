import { sluice } from '../support/cli';

describe('sluice --target aws', () => {
  it('is offered by the commands that work on AWS', () => {
    for (const command of ['create-pipeline', 'update-pipeline', 'delete-pipeline', 'get-pipeline', 'list-pipelines', 'start-pipeline-execution', 'stop-pipeline-execution', 'status', 'executions']) {
      const help = sluice([command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('--target <target>');
      expect(help.stdout).toContain('--stage <stage>');
    }
  });

  it('names the stack outputs to set when the settings are missing, and exits 2', () => {
    const result = sluice(['list-pipelines', '--target', 'aws', '--stage', 'prod']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('SLUICE_TABLE_NAME: the output ExecutionTableName');
    expect(result.stderr).toContain('--stack-name sluice-prod');
  });

  it('stops executions on AWS only', () => {
    const result = sluice(['stop-pipeline-execution', 'webapp', 'e1']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('press Ctrl-C');
  });
});
