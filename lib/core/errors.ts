/**
 * Sluice's errors: a closed catalogue. Each class states, once, what its errors are to everyone
 * who meets one: the name that Step Functions Retry/Catch match and that the HTTP API reports, the
 * HTTP status it answers with, whether its message may be shown to a caller who has not
 * authenticated, and whether the same call, made again unchanged, may succeed. The message tells
 * the user what to do next; the context a class carries is in typed fields.
 */

/** What a catalogued class says of its errors. */
export interface ErrorTraits {
  /** What Step Functions Retry/Catch match and the HTTP API reports as `error`. */
  readonly name: string;
  /** The error code CodePipeline's own protocol answers with (`__type`), as its service model names it where it has one. */
  readonly code: string;
  /** The HTTP status an answer with it has. */
  readonly status: number;
  /** Whether its message may be shown to a caller who has not authenticated; others get a generic one. */
  readonly expose: boolean;
  /** Whether the same call, made again unchanged, may succeed. */
  readonly retryable: boolean;
}

const traits = (name: string, status: number, code: string, { expose = false, retryable = false } = {}): ErrorTraits => ({
  name,
  status,
  code,
  expose,
  retryable,
});

export abstract class SluiceError extends Error {
  override readonly name: string;
  /**
   * The code CodePipeline's protocol answers with: the class's, or one that a subclass defined
   * outside the catalogue, or an error itself, refines (`JobNotFoundException` for a NotFoundError).
   */
  readonly codePipelineCode: string;

  constructor(message: string, options?: { cause?: unknown; code?: string }) {
    super(message, options);
    this.name = this.traits.name;
    this.codePipelineCode = options?.code ?? this.traits.code;
  }

  /** The traits of the class, or of the nearest class above it, in the catalogue. */
  static get traits(): ErrorTraits {
    return catalogueTraits(this);
  }

  get traits(): ErrorTraits {
    return (this.constructor as typeof SluiceError).traits;
  }

  get status(): number {
    return this.traits.status;
  }

  get expose(): boolean {
    return this.traits.expose;
  }

  get retryable(): boolean {
    return this.traits.retryable;
  }

  /** The headers an HTTP answer with this error carries besides its body. */
  get headers(): Record<string, string> {
    return {};
  }
}

/** An action ran and failed: a command exited non-zero, a deployment was refused. */
export class ActionFailedError extends SluiceError {}

/** A stage's condition failed with result FAIL: a rule did not pass, and the stage fails. */
export class ConditionFailedError extends SluiceError {}

/** A stage's success condition failed with result ROLLBACK: the stage fails, and its failure step rolls it back. */
export class ConditionRollbackError extends SluiceError {}

/**
 * A build that a `codebuild:startBuild.sync` Task ran did not succeed; the name is the one Step
 * Functions gives that Task's failure on AWS, so that the local engine fails it alike.
 */
export class BuildFailedError extends SluiceError {
  constructor(
    readonly buildId: string,
    message: string,
  ) {
    super(message);
  }
}

/** The input was wrong: a missing artifact, a bad buildspec, an unknown pipeline. */
export class BadInputError extends SluiceError {}

/** A request body larger than its path takes; it is bad input, answered before more is read. */
export class BodyTooLargeError extends BadInputError {
  constructor(
    readonly maxBytes: number,
    limit = 'the most this path takes',
  ) {
    super(`The body is larger than ${maxBytes / (1024 * 1024)} MB, ${limit}.`);
  }
}

/** The request conflicts with what has happened: a decided approval, an ended execution. */
export class ConflictError extends SluiceError {}

/** A thing the user named does not exist. */
export class NotFoundError extends SluiceError {}

/** The path exists, but not for this method. */
export class MethodNotAllowedError extends SluiceError {
  constructor(
    readonly path: string,
    readonly allowed: string[],
  ) {
    super(`${path} allows ${allowed.join(', ')}.`);
  }

  override get headers(): Record<string, string> {
    return { allow: this.allowed.join(', ') };
  }
}

/** The request does not prove who sent it: a missing or wrong signature. */
export class UnauthorizedError extends SluiceError {}

/** The request is refused for who sent it or where from: a wrong API token, another origin's page. */
export class ForbiddenError extends SluiceError {}

/** The request names a Host that this server does not answer to. */
export class MisdirectedRequestError extends SluiceError {}

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

/**
 * A call was refused by IAM; the message says which statement to add, and where. It names roles
 * and resources of the account, so a caller who has not authenticated does not see it.
 */
export class AccessDeniedError extends SluiceError {
  constructor(
    readonly context: AccessContext & { role: string },
    options: { cause: unknown },
  ) {
    super(accessDeniedMessage(context, options.cause), options);
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

/** No Task waits on the token any more: it timed out, or its execution ended or moved on. */
export class TaskNotWaitingError extends SluiceError {
  constructor(message = 'No task is waiting for this token: it timed out, or its execution has ended or moved on.', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A user stopped the execution: what its engine execution and its waiting Tasks end with. */
export class StoppedError extends SluiceError {}

/** A newer execution overtook one waiting in front of a stage (SUPERSEDED mode): what its waiting Task ends with. */
export class SupersededError extends SluiceError {}

/** UpdatePipeline replaced the version an execution runs before it could enter its next stage: what it ends with. */
export class CancelledError extends SluiceError {}

/** A Manual approval's time ran out: what its Task fails with. */
export class ApprovalExpiredError extends SluiceError {}

/** An approver rejected: what a Manual approval's Task fails with. */
export class ApprovalRejectedError extends SluiceError {}

/** A secret still holds the stack's placeholder: nobody has put its value in yet. */
export class SecretNotSetError extends SluiceError {
  constructor(
    readonly secretId: string,
    holds: string,
    maxAgeMinutes: number,
  ) {
    super(
      `No ${holds} is configured: the secret ${secretId} holds only its placeholder. ` +
        `Put it in with: aws secretsmanager put-secret-value --secret-id ${secretId} --secret-string '<value>' ` +
        `(it applies within ${maxAgeMinutes} minutes).`,
    );
  }
}

/** EventBridge took the call but dropped the event. */
export class EventNotPublishedError extends SluiceError {
  constructor(
    readonly detailType: string,
    readonly eventBusName: string,
    readonly reason: string,
  ) {
    super(`EventBridge refused the ${detailType} event on bus ${eventBusName}: ${reason}.`);
  }
}

/** CloudFormation could not be asked for the outputs of Sluice's stack: no credentials, no network. */
export class StackUnreadableError extends SluiceError {
  constructor(
    readonly stackName: string,
    readonly region: string,
    options: { cause: unknown },
  ) {
    super(`Could not read the outputs of the stack ${stackName} in ${region}: ${(options.cause as Error).message}`, options);
  }
}

/** The data dir is owned by another live process, or other processes keep taking it. */
export class DataDirBusyError extends SluiceError {
  constructor(
    readonly dataDir: string,
    readonly owner?: { pid: number; command: string; startedAt: string },
  ) {
    super(
      owner
        ? `${dataDir} is in use by "sluice ${owner.command}" (pid ${owner.pid}, since ${owner.startedAt}). Wait for it to finish, stop it, or use another --data-dir.`
        : `Could not lock ${dataDir}: another process keeps taking it.`,
    );
  }
}

/** Too many large requests are being read at once; the same request, sent later, is taken. */
export class BusyError extends SluiceError {
  constructor(
    readonly retryAfterSeconds: number,
    what: string,
  ) {
    super(`${what}; send this one again in ${retryAfterSeconds} seconds.`);
  }

  override get headers(): Record<string, string> {
    return { 'retry-after': String(this.retryAfterSeconds) };
  }
}

/** The console's files are not where the server looks for them: the bundle was not built. */
export class ConsoleNotBuiltError extends SluiceError {
  constructor(readonly assetsDir: string) {
    super(`The console is not built: ${assetsDir} has no index.html. Run npm run build, which builds it there.`);
  }
}

/** Sluice's own API answered with an error it has no class for here. */
export class ApiAnswerError extends SluiceError {
  constructor(
    readonly answer: { status: number; error?: string },
    message: string,
  ) {
    super(message);
  }
}

/**
 * What a caller is told of an error Sluice did not expect, or of one whose message is not for
 * them: a generic message and the id under which the log has the detail.
 */
export class InternalError extends SluiceError {
  constructor(readonly requestId: string) {
    super(`The request failed; the server's log has the details under request id ${requestId}.`);
  }
}

/** GetPipeline and the operations on a pipeline name one that does not exist. */
export class PipelineNotFoundError extends NotFoundError {}

/** A stage transition names a stage the pipeline's current version does not have. */
export class StageNotFoundError extends NotFoundError {}

/** GetPipeline names a version the pipeline does not have. */
export class PipelineVersionNotFoundError extends NotFoundError {}

/** An execution named by its id does not exist, or is not the named pipeline's. */
export class PipelineExecutionNotFoundError extends NotFoundError {}

/** PutApprovalResult's token is not that of any approval of the named action. */
export class InvalidApprovalTokenError extends NotFoundError {}

/** CreatePipeline names a pipeline that exists already. */
export class PipelineNameInUseError extends BadInputError {}

/** PutApprovalResult decides an approval that is decided, expired, or whose execution has ended. */
export class ApprovalAlreadyCompletedError extends ConflictError {}

/** OverrideStageCondition names a condition that is not being evaluated, so there is nothing to override. */
export class ConditionNotOverridableError extends ConflictError {}

/** A page's nextToken is not one that the same listing gave. */
export class InvalidNextTokenError extends BadInputError {}

/** A request field that CodePipeline's model allows but this request may not have. */
export class ValidationError extends BadInputError {}

/** A resource ARN that is not a CodePipeline ARN at all. */
export class InvalidArnError extends BadInputError {}

/** A CodePipeline ARN that names nothing here. */
export class ResourceNotFoundError extends NotFoundError {}

/** A tag key or value outside CodePipeline's rules (a reserved `aws:` key, a length). */
export class InvalidTagsError extends BadInputError {}

/** More tags than a resource may have. */
export class TooManyTagsError extends BadInputError {}

/** Another request changed the resource at the same time. */
export class ConcurrentModificationError extends ConflictError {}

/** The execution named is not in progress. */
export class PipelineExecutionNotStoppableError extends ConflictError {}

/** The execution is stopping already, as a previous stop request asked. */
export class DuplicatedStopRequestError extends ConflictError {}

/** RetryStageExecution of an execution or a stage that did not fail, or whose pipeline has changed since. */
export class StageNotRetryableError extends ConflictError {}

/** RetryStageExecution of a stage that a later execution has entered since. */
export class NotLatestPipelineExecutionError extends ConflictError {}

/**
 * RollbackStage refused: a PARALLEL pipeline, a source stage, a stage running now, or a target
 * that did not succeed in the stage or is a rollback itself.
 */
export class UnableToRollbackStageError extends ConflictError {}

/** RollbackStage to an execution of an earlier version of the pipeline. */
export class PipelineExecutionOutdatedError extends ConflictError {}

/** No action type of that category, owner, provider and version. */
export class ActionTypeNotFoundError extends NotFoundError {}

/** A job-worker call names a job that does not exist. */
export class JobNotFoundError extends NotFoundError {}

/** AcknowledgeJob's nonce is not the one PollForJobs gave for the job. */
export class InvalidNonceError extends BadInputError {}

/** A job-worker call that the job's state does not allow: acknowledging a finished job, finishing one twice. */
export class InvalidJobStateError extends ConflictError {}

/** CreatePipeline and UpdatePipeline refuse an action of a custom type that is not registered. */
export class InvalidActionDeclarationError extends BadInputError {}

/** A pipeline declaration breaks CodePipeline's rules: each problem names its path and what would be right. */
export class InvalidDeclarationError extends BadInputError {
  constructor(readonly problems: { path: string; message: string }[]) {
    super(`The declaration is not valid:\n  ${problems.map((problem) => `${problem.path || '(declaration)'}: ${problem.message}`).join('\n  ')}`, {
      code: declarationErrorCode(problems[0]?.path ?? ''),
    });
  }
}

/** CodePipeline names the part of the declaration a problem is in: an action, a stage, or the whole structure. */
const declarationErrorCode = (path: string): string =>
  /\.actions\[/.test(path) ? 'InvalidActionDeclarationException' : /^stages\[/.test(path) ? 'InvalidStageDeclarationException' : 'InvalidStructureException';

/** CodePipeline's protocol names an operation that Sluice routes but does not implement yet. */
export class OperationNotImplementedError extends BadInputError {
  constructor(readonly operation: string) {
    super(`Sluice does not implement ${operation} yet.`);
  }
}

/** A class of Sluice errors, whatever its constructor takes. */
export type ErrorClass = (abstract new (...args: never[]) => SluiceError) & { readonly traits: ErrorTraits };

/**
 * The catalogue: every class above, with its traits. A class defined elsewhere takes those of the
 * catalogued class it extends.
 */
const CATALOGUE = new Map<ErrorClass, ErrorTraits>([
  [ActionFailedError, traits('Sluice.ActionFailed', 422, 'RequestFailedException')],
  [ConditionFailedError, traits('Sluice.ConditionFailed', 422, 'RequestFailedException')],
  [ConditionRollbackError, traits('Sluice.ConditionRollback', 422, 'RequestFailedException')],
  [ConditionNotOverridableError, traits('Sluice.Conflict', 409, 'ConditionNotOverridableException', { expose: true })],
  [BuildFailedError, traits('States.TaskFailed', 422, 'RequestFailedException')],
  [BadInputError, traits('Sluice.BadInput', 400, 'ValidationException', { expose: true })],
  [BodyTooLargeError, traits('Sluice.BadInput', 413, 'ValidationException', { expose: true })],
  [InvalidNextTokenError, traits('Sluice.BadInput', 400, 'InvalidNextTokenException', { expose: true })],
  [InvalidDeclarationError, traits('Sluice.BadInput', 400, 'InvalidStructureException', { expose: true })],
  [OperationNotImplementedError, traits('Sluice.BadInput', 400, 'UnsupportedOperationException', { expose: true })],
  [ConflictError, traits('Sluice.Conflict', 409, 'ConflictException', { expose: true })],
  [PipelineNameInUseError, traits('Sluice.BadInput', 400, 'PipelineNameInUseException', { expose: true })],
  [ApprovalAlreadyCompletedError, traits('Sluice.Conflict', 409, 'ApprovalAlreadyCompletedException', { expose: true })],
  [NotFoundError, traits('Sluice.NotFound', 404, 'ResourceNotFoundException', { expose: true })],
  [PipelineNotFoundError, traits('Sluice.NotFound', 404, 'PipelineNotFoundException', { expose: true })],
  [StageNotFoundError, traits('Sluice.NotFound', 404, 'StageNotFoundException', { expose: true })],
  [PipelineVersionNotFoundError, traits('Sluice.NotFound', 404, 'PipelineVersionNotFoundException', { expose: true })],
  [PipelineExecutionNotFoundError, traits('Sluice.NotFound', 404, 'PipelineExecutionNotFoundException', { expose: true })],
  [InvalidApprovalTokenError, traits('Sluice.NotFound', 404, 'InvalidApprovalTokenException', { expose: true })],
  [ValidationError, traits('Sluice.BadInput', 400, 'ValidationException', { expose: true })],
  [InvalidArnError, traits('Sluice.BadInput', 400, 'InvalidArnException', { expose: true })],
  [InvalidTagsError, traits('Sluice.BadInput', 400, 'InvalidTagsException', { expose: true })],
  [TooManyTagsError, traits('Sluice.BadInput', 400, 'TooManyTagsException', { expose: true })],
  [ConcurrentModificationError, traits('Sluice.Conflict', 409, 'ConcurrentModificationException', { expose: true })],
  [PipelineExecutionNotStoppableError, traits('Sluice.Conflict', 409, 'PipelineExecutionNotStoppableException', { expose: true })],
  [DuplicatedStopRequestError, traits('Sluice.Conflict', 409, 'DuplicatedStopRequestException', { expose: true })],
  [StageNotRetryableError, traits('Sluice.Conflict', 409, 'StageNotRetryableException', { expose: true })],
  [NotLatestPipelineExecutionError, traits('Sluice.Conflict', 409, 'NotLatestPipelineExecutionException', { expose: true })],
  [UnableToRollbackStageError, traits('Sluice.Conflict', 409, 'UnableToRollbackStageException', { expose: true })],
  [PipelineExecutionOutdatedError, traits('Sluice.Conflict', 409, 'PipelineExecutionOutdatedException', { expose: true })],
  [ResourceNotFoundError, traits('Sluice.NotFound', 404, 'ResourceNotFoundException', { expose: true })],
  [ActionTypeNotFoundError, traits('Sluice.NotFound', 404, 'ActionTypeNotFoundException', { expose: true })],
  [JobNotFoundError, traits('Sluice.NotFound', 404, 'JobNotFoundException', { expose: true })],
  [InvalidNonceError, traits('Sluice.BadInput', 400, 'InvalidNonceException', { expose: true })],
  [InvalidJobStateError, traits('Sluice.Conflict', 409, 'InvalidJobStateException', { expose: true })],
  [InvalidActionDeclarationError, traits('Sluice.BadInput', 400, 'InvalidActionDeclarationException', { expose: true })],
  [MethodNotAllowedError, traits('Sluice.MethodNotAllowed', 405, 'UnknownOperationException', { expose: true })],
  [UnauthorizedError, traits('Sluice.Unauthorized', 401, 'MissingAuthenticationTokenException', { expose: true })],
  [ForbiddenError, traits('Sluice.Forbidden', 403, 'AccessDeniedException', { expose: true })],
  [MisdirectedRequestError, traits('Sluice.MisdirectedRequest', 421, 'AccessDeniedException', { expose: true })],
  [AccessDeniedError, traits('Sluice.AccessDenied', 403, 'AccessDeniedException')],
  [TaskNotWaitingError, traits('Sluice.TaskNotWaiting', 409, 'ConflictException', { expose: true })],
  [StoppedError, traits('Sluice.Stopped', 409, 'ConflictException', { expose: true })],
  [SupersededError, traits('Sluice.Superseded', 409, 'ConflictException', { expose: true })],
  [CancelledError, traits('Sluice.Cancelled', 409, 'ConflictException', { expose: true })],
  [ApprovalExpiredError, traits('Sluice.ApprovalExpired', 410, 'ApprovalAlreadyCompletedException', { expose: true })],
  [ApprovalRejectedError, traits('Sluice.ApprovalRejected', 409, 'ApprovalAlreadyCompletedException', { expose: true })],
  [SecretNotSetError, traits('Sluice.SecretNotSet', 503, 'ServiceUnavailableException')],
  [EventNotPublishedError, traits('Sluice.EventNotPublished', 502, 'InternalFailure', { retryable: true })],
  [StackUnreadableError, traits('Sluice.StackUnreadable', 502, 'InternalFailure', { retryable: true })],
  [DataDirBusyError, traits('Sluice.DataDirBusy', 409, 'ConcurrentModificationException', { retryable: true })],
  [BusyError, traits('Sluice.Busy', 503, 'ThrottlingException', { expose: true, retryable: true })],
  [ConsoleNotBuiltError, traits('Sluice.ConsoleNotBuilt', 503, 'ServiceUnavailableException', { expose: true })],
  [ApiAnswerError, traits('Sluice.ApiError', 502, 'InternalFailure')],
  [InternalError, traits('Sluice.InternalError', 500, 'InternalFailure', { expose: true })],
]);

/** The traits of `type`, or of the nearest class above it in the catalogue. */
function catalogueTraits(type: ErrorClass): ErrorTraits {
  const found = CATALOGUE.get(type);
  if (found) return found;
  const above: unknown = Object.getPrototypeOf(type);
  if (typeof above !== 'function' || above === SluiceError) throw new TypeError(`${type.name} is not in the error catalogue, nor below a class that is.`);
  return catalogueTraits(above as ErrorClass);
}

/** Every class of the catalogue. */
export const SLUICE_ERRORS: readonly ErrorClass[] = [...CATALOGUE.keys()];

/** Whether a class has its own row in the catalogue, rather than taking its traits from a class above it. */
export const isCatalogued = (type: ErrorClass): boolean => CATALOGUE.has(type);

/** What an HTTP answer with an error says: its name and a message the caller may read. */
export interface ErrorBody {
  error: string;
  message: string;
  /** Where the caller's message is generic: the id under which the log has the detail. */
  requestId?: string;
}

/**
 * The status, headers and body of an HTTP answer with `error`. A caller who has not authenticated
 * reads the message of an error that may be exposed only; for others it reads InternalError's,
 * with the same status.
 */
export function errorAnswer(
  error: SluiceError,
  shown: { authenticated: boolean; requestId: string },
): { status: number; headers: Record<string, string>; body: ErrorBody } {
  const exposed = shown.authenticated || error.expose;
  const body = exposed
    ? { error: error.name, message: error.message, ...(error instanceof InternalError ? { requestId: error.requestId } : {}) }
    : { error: error.name, message: new InternalError(shown.requestId).message, requestId: shown.requestId };
  return { status: error.status, headers: error.headers, body };
}
