import { AccessDeniedError, type AccessContext } from '../../core/access-denied';

/** Given to an adapter by whoever builds it: the role it runs as, for the message. */
export interface AccessDeniedOptions {
  roleName?: string;
}

const ACCESS_DENIED_NAMES = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation']);

/**
 * 403s that are about the credentials, not about a policy: naming a missing IAM action for them
 * would send the reader to the wrong fix.
 */
const CREDENTIAL_ERROR_NAMES = new Set([
  'SignatureDoesNotMatch',
  'InvalidAccessKeyId',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'ExpiredToken',
  'ExpiredTokenException',
  'RequestTimeTooSkewed',
]);

/** `User: arn:aws:sts::123456789012:assumed-role/<role>/<session> is not authorized ...` */
const ASSUMED_ROLE = /assumed-role\/([\w+=,.@-]+)\//;
/** The role a message names when the adapter was not told which. */
export const DEFAULT_ROLE = "the function's execution role";

function isAccessDenied(error: unknown): error is Error {
  if (!(error instanceof Error) || CREDENTIAL_ERROR_NAMES.has(error.name)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return ACCESS_DENIED_NAMES.has(error.name) || status === 403;
}

/**
 * Turns AWS's AccessDenied into an error that names the missing IAM action, the resource and the
 * role to fix; any other error comes back unchanged. An error explained already gains the
 * execution link when the caller knows it and the adapter did not.
 */
export function explainAccessDenied(error: unknown, context: AccessContext): Error {
  if (error instanceof AccessDeniedError) {
    if (!context.executionUrl || error.context.executionUrl) return error;
    return new AccessDeniedError({ ...error.context, executionUrl: context.executionUrl }, { cause: error.cause });
  }
  if (!isAccessDenied(error)) return error instanceof Error ? error : new Error(String(error), { cause: error });
  const role = context.role ?? ASSUMED_ROLE.exec(error.message)?.[1] ?? DEFAULT_ROLE;
  return new AccessDeniedError({ ...context, role }, { cause: error });
}

/** Runs one AWS call; an AccessDenied answer comes out explained. */
export async function withAccessExplained<T>(context: AccessContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw explainAccessDenied(error, context);
  }
}
