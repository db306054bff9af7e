import { InternalError, SluiceError } from '../../core/errors';
import type { SluiceApi } from '../../operations/sluice-api';
import type { HttpRequest, HttpResponse } from '../http-types';
import type { SigningCredentials } from '../request-signature';
import { dispatchCodePipelineCall } from './operation-table';
import { codePipelineCall, codePipelineError, codePipelineOutput, verifyCodePipelineSignature } from './protocol';

/**
 * How `POST /` knows who calls: locally, by verifying each request's SigV4 signature with the
 * installation's own credentials; on AWS, API Gateway's IAM authorization has verified it before
 * the handler runs (the route is declared so in serverless.yml).
 */
export type CodePipelineCallers = { verify: 'signature'; credentials: () => Promise<SigningCredentials> } | { verify: 'gateway' };

export interface CodePipelineRouteDependencies {
  api: () => SluiceApi | Promise<SluiceApi>;
  callers: CodePipelineCallers;
}

/** Where the detail of an error that the caller is not told goes. */
export interface CodePipelineRequestContext {
  requestId: string;
  log: { error(message: string, detail: Record<string, unknown>): void };
  now: Date;
}

/**
 * `POST /`: one call of CodePipeline's JSON 1.1 protocol, as the AWS CLI, boto3 and the SDKs send
 * it. Locally the signature is verified over the body first; nothing else is read from a request
 * that does not prove it comes from a holder of the installation's credentials.
 */
export async function codePipelineResponse(
  request: HttpRequest,
  deps: CodePipelineRouteDependencies,
  context: CodePipelineRequestContext,
): Promise<HttpResponse> {
  const { requestId } = context;
  try {
    if (deps.callers.verify === 'signature') await verifyCodePipelineSignature(request, await deps.callers.credentials(), context.now);
  } catch (error) {
    if (error instanceof SluiceError) return codePipelineError(error, { authenticated: false, requestId });
    throw error;
  }
  try {
    return codePipelineOutput(await dispatchCodePipelineCall(await deps.api(), codePipelineCall(request)), requestId);
  } catch (error) {
    if (error instanceof SluiceError) return codePipelineError(error, { authenticated: true, requestId });
    context.log.error('Request failed', { requestId, method: request.method, path: request.path, target: request.headers['x-amz-target'], error });
    return codePipelineError(new InternalError(requestId), { authenticated: true, requestId });
  }
}
