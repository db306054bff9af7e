import { spawnSync } from 'node:child_process';

export interface AwsCliResult {
  code: number | null;
  /** The JSON it printed, when it succeeded and printed any. */
  json?: Record<string, unknown>;
  stderr: string;
}

/**
 * The environment AWS's own tools run in against sluice serve: the installation's credentials and
 * a region, with `home` as HOME so that no profile of the machine's is read.
 */
export function awsToolEnvironment(home: string, credentials: { accessKeyId: string; secretAccessKey: string }, region: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_DEFAULT_REGION: region,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

/** Runs `aws codepipeline …` against `endpoint` in `env`; its JSON output parsed, or its refusal. */
export function awsCodePipeline(endpoint: string, env: NodeJS.ProcessEnv, args: string[]): AwsCliResult {
  const result = spawnSync('aws', ['codepipeline', ...args, '--endpoint-url', endpoint, '--output', 'json'], { env, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stderr: result.stderr, ...(result.status === 0 && result.stdout.trim() ? { json: JSON.parse(result.stdout) } : {}) };
}
