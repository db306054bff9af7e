import * as errors from '../../lib/core/errors';

const cause = new Error('the detail underneath');

/**
 * One error of each class of the catalogue, each made with context of its own kind. A class
 * missing here fails the test that checks every class has one.
 */
export const EXAMPLE_ERRORS = new Map<(typeof errors.SLUICE_ERRORS)[number], () => errors.SluiceError>([
  [errors.ActionFailedError, () => new errors.ActionFailedError('npm test exited 1.')],
  [
    errors.ConditionFailedError,
    () => new errors.ConditionFailedError('The beforeEntry condition of stage Deploy failed: OnMain: "feature" EQ "main" is false.'),
  ],
  [errors.ConditionRollbackError, () => new errors.ConditionRollbackError('The onSuccess condition of stage Deploy failed: Alarm: alarm Errors is in ALARM.')],
  [
    errors.ConditionNotOverridableError,
    () => new errors.ConditionNotOverridableError('The BEFORE_ENTRY condition of stage Deploy is not being evaluated; there is nothing to override.'),
  ],
  [errors.BuildFailedError, () => new errors.BuildFailedError('b-1', 'Build b-1 failed in phase BUILD.')],
  [errors.BadInputError, () => new errors.BadInputError('stages[0].name is missing.')],
  [errors.BodyTooLargeError, () => new errors.BodyTooLargeError(1024 * 1024)],
  [errors.ConflictError, () => new errors.ConflictError('Already decided.')],
  [errors.NotFoundError, () => new errors.NotFoundError('No pipeline webapp.')],
  [errors.MethodNotAllowedError, () => new errors.MethodNotAllowedError('/api/prune', ['POST'])],
  [errors.UnauthorizedError, () => new errors.UnauthorizedError('X-Hub-Signature-256 is missing.')],
  [errors.ForbiddenError, () => new errors.ForbiddenError('Missing or wrong API token.')],
  [errors.MisdirectedRequestError, () => new errors.MisdirectedRequestError('This server answers to 127.0.0.1:1.')],
  [
    errors.AccessDeniedError,
    () => new errors.AccessDeniedError({ action: 's3:PutObject', resource: 'arn:aws:s3:::artifacts/*', role: 'sluice-prod-role' }, { cause }),
  ],
  [errors.TaskNotWaitingError, () => new errors.TaskNotWaitingError()],
  [errors.StoppedError, () => new errors.StoppedError('Stopped by the user.')],
  [errors.CancelledError, () => new errors.CancelledError('Pipeline webapp was updated to version 3 before execution 1 could enter Deploy.')],
  [errors.SupersededError, () => new errors.SupersededError('Superseded by execution 2 while it waited to enter Deploy.')],
  [errors.ApprovalExpiredError, () => new errors.ApprovalExpiredError('expired')],
  [errors.ApprovalRejectedError, () => new errors.ApprovalRejectedError('Rejected by Bob')],
  [errors.SecretNotSetError, () => new errors.SecretNotSetError('arn:aws:secretsmanager:eu-west-1:123456789012:secret:webhook', 'webhook secret', 5)],
  [
    errors.EventNotPublishedError,
    () => new errors.EventNotPublishedError('CodePipeline Action Execution State Change', 'sluice-events', 'ThrottlingException'),
  ],
  [errors.StackUnreadableError, () => new errors.StackUnreadableError('sluice-prod', 'eu-west-1', { cause })],
  [errors.DataDirBusyError, () => new errors.DataDirBusyError('/home/me/.sluice', { pid: 42, command: 'serve', startedAt: '2026-12-06T00:00:00Z' })],
  [errors.BusyError, () => new errors.BusyError(10, 'Other large deliveries are being read')],
  [errors.ConsoleNotBuiltError, () => new errors.ConsoleNotBuiltError('/opt/sluice/dist/console')],
  [errors.ApiAnswerError, () => new errors.ApiAnswerError({ status: 418, error: 'Sluice.Teapot' }, 'I am a teapot.')],
  [errors.InternalError, () => new errors.InternalError('r-0')],
  [errors.PipelineNotFoundError, () => new errors.PipelineNotFoundError('There is no pipeline webapp.')],
  [errors.StageNotFoundError, () => new errors.StageNotFoundError('Pipeline webapp has no stage Deploy.')],
  [errors.PipelineVersionNotFoundError, () => new errors.PipelineVersionNotFoundError('Pipeline webapp has no version 9.')],
  [errors.PipelineExecutionNotFoundError, () => new errors.PipelineExecutionNotFoundError('There is no execution e-1.')],
  [errors.InvalidApprovalTokenError, () => new errors.InvalidApprovalTokenError('No approval has that token.')],
  [errors.PipelineNameInUseError, () => new errors.PipelineNameInUseError('Pipeline webapp already exists.')],
  [errors.ApprovalAlreadyCompletedError, () => new errors.ApprovalAlreadyCompletedError('Approved by Bob.')],
  [errors.InvalidNextTokenError, () => new errors.InvalidNextTokenError('That nextToken is not one this listing gave.')],
  [errors.InvalidDeclarationError, () => new errors.InvalidDeclarationError([{ path: '', message: 'needs 2 stages' }])],
  [errors.OperationNotImplementedError, () => new errors.OperationNotImplementedError('RetryStageExecution')],
  [errors.ValidationError, () => new errors.ValidationError('clientRequestToken may have letters, digits and hyphens only.')],
  [errors.InvalidArnError, () => new errors.InvalidArnError('nope is not a CodePipeline ARN.')],
  [errors.InvalidTagsError, () => new errors.InvalidTagsError('Tag keys may not start with aws:.')],
  [errors.TooManyTagsError, () => new errors.TooManyTagsError('A pipeline may have at most 50 tags.')],
  [errors.ConcurrentModificationError, () => new errors.ConcurrentModificationError('Another request changed the tags of webapp.')],
  [errors.PipelineExecutionNotStoppableError, () => new errors.PipelineExecutionNotStoppableError('Execution e-1 is Succeeded.')],
  [errors.DuplicatedStopRequestError, () => new errors.DuplicatedStopRequestError('Execution e-1 is stopping already.')],
  [errors.StageNotRetryableError, () => new errors.StageNotRetryableError('Execution e-1 is Succeeded: only a Failed execution is retried.')],
  [
    errors.NotLatestPipelineExecutionError,
    () => new errors.NotLatestPipelineExecutionError('Execution e-2 has entered Build since execution e-1 failed there.'),
  ],
  [
    errors.UnableToRollbackStageError,
    () => new errors.UnableToRollbackStageError('Execution e-1 did not succeed in Deploy (Failed): a stage rolls back to an execution that succeeded in it.'),
  ],
  [errors.PipelineExecutionOutdatedError, () => new errors.PipelineExecutionOutdatedError('Execution e-1 ran version 1 of webapp, which is at version 2 now.')],
  [errors.ResourceNotFoundError, () => new errors.ResourceNotFoundError('No pipeline has the ARN arn:aws:codepipeline:local:000000000000:gone.')],
  [errors.ActionTypeNotFoundError, () => new errors.ActionTypeNotFoundError('No action type Source/AWS/S3/9.')],
  [errors.JobNotFoundError, () => new errors.JobNotFoundError('There is no job j-1.')],
  [errors.InvalidNonceError, () => new errors.InvalidNonceError("That nonce is not job j-1's.")],
  [errors.InvalidJobStateError, () => new errors.InvalidJobStateError('Job j-1 is Succeeded.')],
  [errors.InvalidActionDeclarationError, () => new errors.InvalidActionDeclarationError('Deploy/Custom/Acme/1 is not a registered custom action type.')],
]);
