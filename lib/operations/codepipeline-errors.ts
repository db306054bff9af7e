import { BadInputError, ConflictError, NotFoundError } from '../core/errors';

/*
 * The refusals of CreatePipeline's tags, the tagging operations, StartPipelineExecution,
 * StopPipelineExecution, the action types and the webhooks, each with the error code CodePipeline
 * answers them with on the wire (`__type`). Each keeps the traits of the Sluice class it extends,
 * so `/api/...` and the CLI answer them as before.
 */

/** A field the request gives that CodePipeline's model allows but this request may not have. */
export class ValidationError extends BadInputError {
  readonly codePipelineCode = 'ValidationException';
}

/** A resource ARN that is not a CodePipeline ARN at all. */
export class InvalidArnError extends BadInputError {
  readonly codePipelineCode = 'InvalidArnException';
}

/** A CodePipeline ARN that names nothing here. */
export class ResourceNotFoundError extends NotFoundError {
  readonly codePipelineCode = 'ResourceNotFoundException';
}

/** A tag key or value outside CodePipeline's rules (a reserved `aws:` key, a length). */
export class InvalidTagsError extends BadInputError {
  readonly codePipelineCode = 'InvalidTagsException';
}

/** More tags than a resource may have. */
export class TooManyTagsError extends BadInputError {
  readonly codePipelineCode = 'TooManyTagsException';
}

/** Another request changed the resource's tags at the same time. */
export class ConcurrentModificationError extends ConflictError {
  readonly codePipelineCode = 'ConcurrentModificationException';
}

/** The execution named is not in progress. */
export class PipelineExecutionNotStoppableError extends ConflictError {
  readonly codePipelineCode = 'PipelineExecutionNotStoppableException';
}

/** The execution is stopping already, as a previous stop request asked. */
export class DuplicatedStopRequestError extends ConflictError {
  readonly codePipelineCode = 'DuplicatedStopRequestException';
}

/** No action type of that category, owner, provider and version. */
export class ActionTypeNotFoundError extends NotFoundError {
  readonly codePipelineCode = 'ActionTypeNotFoundException';
}

/** A `nextToken` that no earlier answer gave. */
export class InvalidNextTokenError extends BadInputError {
  readonly codePipelineCode = 'InvalidNextTokenException';
}
