import { SluiceError } from '../../core/errors';

/** What an AWS call needed: enough to write the missing IAM statement. */
export interface AccessContext {
  /** The IAM action the call needs, e.g. `s3:PutObject`. */
  action: string;
  /** The resource it was called on, as IAM names it where the adapter knows it. */
  resource: string;
  /** The role whose policy lacks the action; unknown, it is read from AWS's own message if it names one. */
  role?: string;
  /** The execution the call was made for, when the caller knows it. */
  executionUrl?: string;
  /** Another cause of the same answer, where the service has one. */
  hint?: string;
}

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

/** A call was refused by IAM; the message says which statement to add, and where. */
export class AccessDeniedError extends SluiceError {
  constructor(
    readonly context: AccessContext & { role: string },
    options: { cause: unknown },
  ) {
    super('Sluice.AccessDenied', accessDeniedMessage(context, options.cause), options);
  }
}

function accessDeniedMessage(context: AccessContext & { role: string }, cause: unknown): string {
  const said = cause instanceof Error && cause.message ? ` AWS said: ${cause.message}` : '';
  const hint = context.hint ? ` ${context.hint}` : '';
  const link = context.executionUrl ? ` Execution: ${context.executionUrl}` : '';
  return (
    `Access denied: ${context.role} may not call ${context.action} on ${context.resource}. ` +
    `Allow "${context.action}" on "${context.resource}" in the policy of ${context.role}.${hint}${said}${link}`
  );
}

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
