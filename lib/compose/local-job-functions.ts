import path from 'node:path';
import { LambdaJobFunctions } from '../adapters/aws/lambda-job-functions';
import { handlerFile, HandlerFileFunctions, type HandlerFile } from '../adapters/local/lambda-handler-files';
import { installationCredentials } from '../adapters/local/installation-credentials';
import { BadInputError } from '../core/errors';
import { lambdaHandlersSchema } from '../core/installation-settings';
import type { AwsClients } from '../ports/aws-clients';
import type { BuildProcessTracker } from '../ports/build-processes';
import type { JobFunctions } from '../ports/job-functions';
import { localRegion } from './aws-access';
import { readInstallationSettings } from './settings-file';

export interface LocalJobFunctionsOptions {
  dataDir: string;
  env: NodeJS.ProcessEnv;
  /** The URL of this process's API, once it serves one: where a function reports its job. */
  apiUrl: () => string | undefined;
  /** The embedded S3's endpoint for signed requests, where this process opens one: where a function reads and writes artifacts. */
  s3Endpoint?: string;
  awsClients: AwsClients;
  /** Where the functions' processes are recorded, so that none outlives this process. */
  processes?: BuildProcessTracker;
}

/**
 * Lambda invoke actions' functions locally: those mapped to a handler file, by SLUICE_LAMBDA_HANDLERS
 * (JSON, files relative to the current directory) or the installation's `lambda.handlers` setting
 * (files relative to the data dir), run here; the others are invoked through the SDK, at the
 * Lambda endpoint its variables name. A function reports to this process's API, signed with the
 * installation's credentials.
 */
export function localJobFunctions({ dataDir, env, apiUrl, s3Endpoint, awsClients, processes }: LocalJobFunctionsOptions): JobFunctions {
  return new HandlerFileFunctions({
    // Read at each start, as the settings file is: a fix to either applies to the next action.
    handlers: () => lambdaHandlers(dataDir, env),
    environment: async (target) => {
      const url = apiUrl();
      if (!url)
        throw new BadInputError('this process serves no CodePipeline API for the function to report its job to; run it with sluice run or sluice serve.');
      const { accessKeyId, secretAccessKey } = await installationCredentials(dataDir);
      return {
        AWS_ENDPOINT_URL_CODEPIPELINE: url,
        AWS_ACCESS_KEY_ID: accessKeyId,
        AWS_SECRET_ACCESS_KEY: secretAccessKey,
        AWS_REGION: target.region ?? localRegion(env),
        ...(s3Endpoint ? { AWS_ENDPOINT_URL_S3: s3Endpoint } : {}),
      };
    },
    otherwise: new LambdaJobFunctions(awsClients),
    processes,
  });
}

/**
 * The functions mapped to a handler file here: by the installation's `lambda.handlers` setting
 * (files relative to the data dir), and by SLUICE_LAMBDA_HANDLERS (JSON, files relative to the
 * current directory), which wins.
 */
export async function lambdaHandlers(dataDir: string, env: NodeJS.ProcessEnv): Promise<ReadonlyMap<string, HandlerFile>> {
  const fromEnvironment = handlersFromEnvironment(env);
  const settings = (await readInstallationSettings(dataDir)).lambda?.handlers ?? {};
  const fromSettings = Object.entries(settings).map(([name, spec]): [string, HandlerFile] => [name, handlerFile(spec, (file) => path.resolve(dataDir, file))]);
  return new Map([...fromSettings, ...fromEnvironment]);
}

function handlersFromEnvironment(env: NodeJS.ProcessEnv): [string, HandlerFile][] {
  const text = env.SLUICE_LAMBDA_HANDLERS;
  if (!text) return [];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BadInputError(`SLUICE_LAMBDA_HANDLERS is not JSON: ${(error as Error).message}. Give a map of function names to "<file>:<export>".`);
  }
  const parsed = lambdaHandlersSchema.safeParse(value);
  if (!parsed.success) throw new BadInputError('SLUICE_LAMBDA_HANDLERS must map function names to "<file>:<export>" strings.');
  return Object.entries(parsed.data).map(([name, spec]) => [name, handlerFile(spec, (file) => path.resolve(file))]);
}
