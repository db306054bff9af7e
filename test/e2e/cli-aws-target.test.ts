import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sluice } from '../support/cli';

describe('sluice --target aws', () => {
  it('is offered by the commands that work on AWS', () => {
    for (const command of [
      'create-pipeline',
      'update-pipeline',
      'delete-pipeline',
      'get-pipeline',
      'list-pipelines',
      'start-pipeline-execution',
      'stop-pipeline-execution',
      'status',
      'executions',
    ]) {
      const help = sluice([command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('--target <target>');
      expect(help.stdout).toContain('--stage <stage>');
    }
  });

  it('names the stack it could not read the outputs of, and exits 1, when AWS does not answer', () => {
    const unreachable = { AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_MAX_ATTEMPTS: '1' };
    const result = sluice(['list-pipelines', '--target', 'aws', '--stage', 'prod', '--region', 'eu-west-1'], { env: unreachable });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Could not read the outputs of the stack sluice-prod in eu-west-1:');
  });

  it('stops executions locally only through sluice serve, which runs them', () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sluice-stop-'));
    const result = sluice(['stop-pipeline-execution', 'webapp', 'e1', '--data-dir', dataDir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('No sluice serve runs executions on this data dir');
  });
});
