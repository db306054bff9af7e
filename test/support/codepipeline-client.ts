import * as sdk from '@aws-sdk/client-codepipeline';
import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import type { SigningCredentials } from '../../lib/api/request-signature';
import { printedCredentials, startSluice, type RunningCli } from './cli';
import { sigV4Headers } from './sigv4';

/** What a call on CodePipeline's protocol needs: where sluice serve answers, and how to sign for it. */
export interface CodePipelineEndpoint {
  endpoint: string;
  credentials: SigningCredentials;
  region: string;
}

/** Calls on CodePipeline's protocol at one endpoint: through @aws-sdk/client-codepipeline, or signed and sent by hand. */
export interface CodePipelineCaller {
  endpoint: string;
  client: CodePipelineClient;
  /** A client for the same endpoint that signs with other credentials. */
  clientWith(signing: SigningCredentials): CodePipelineClient;
  /** Sends `operation` with `input` through the SDK, by its command's name. */
  send(operation: string, input: object, through?: CodePipelineClient): Promise<Record<string, unknown>>;
  /** A call signed as the SDKs sign it but sent by hand, for what the SDK will not send. */
  signedPost(target: string, body: string, headers?: Record<string, string>): Promise<Response>;
}

export function codePipelineCaller({ endpoint, credentials, region }: CodePipelineEndpoint): CodePipelineCaller {
  const clientWith = (signing: SigningCredentials) => new CodePipelineClient({ endpoint, region, credentials: signing, maxAttempts: 1 });
  const client = clientWith(credentials);
  const commands = sdk as unknown as Record<string, new (input: object) => Parameters<CodePipelineClient['send']>[0]>;
  return {
    endpoint,
    client,
    clientWith,
    send: (operation, input, through = client) => {
      const Command = commands[`${operation}Command`];
      if (!Command) throw new Error(`@aws-sdk/client-codepipeline has no ${operation}Command.`);
      return through.send(new Command(input)) as unknown as Promise<Record<string, unknown>>;
    },
    signedPost: async (target, body, headers = {}) => {
      const all = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target, ...headers };
      const signed = await sigV4Headers({
        method: 'POST',
        host: new URL(endpoint).host,
        path: '/',
        headers: all,
        body,
        credentials,
        service: 'codepipeline',
        region,
      });
      return fetch(endpoint, { method: 'POST', headers: signed, body });
    },
  };
}

/** The refusal `call` ends with: its CodePipeline error code and HTTP status. */
export async function refusal(call: Promise<unknown>): Promise<{ code: string; status?: number; message: string }> {
  const error = await call.then(
    () => undefined,
    (thrown: unknown) => thrown as { name: string; message: string; $metadata?: { httpStatusCode?: number } },
  );
  if (!error) throw new Error('The call succeeded; a refusal was expected.');
  return { code: error.name, status: error.$metadata?.httpStatusCode, message: error.message };
}

/**
 * `sluice serve` on a free port of `dataDir`, once it says where it serves, and a caller of its
 * CodePipeline API signed with the data dir's credentials. `env` adds to sluice serve's environment.
 */
export async function serveWithCaller(
  dataDir: string,
  region: string,
  env: NodeJS.ProcessEnv = {},
): Promise<CodePipelineEndpoint & { serve: RunningCli; caller: CodePipelineCaller }> {
  const serve = startSluice(['serve', '--port', '0', '--quiet', '--data-dir', dataDir], { env });
  const endpoint = (await serve.waitFor(/serving .* at (http:\/\/\S+)/))[1]!;
  const credentials = printedCredentials(dataDir);
  return { serve, endpoint, credentials, region, caller: codePipelineCaller({ endpoint, credentials, region }) };
}
