import { SluiceError } from './errors';

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
