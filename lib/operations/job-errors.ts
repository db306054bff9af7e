import { BadInputError, ConflictError, NotFoundError } from '../core/errors';

/**
 * The job-worker API's refusals, each with the error code CodePipeline answers with on the wire.
 * They keep the HTTP status and traits of the Sluice class they extend.
 */
export class JobNotFoundError extends NotFoundError {
  readonly codePipelineCode = 'JobNotFoundException';
}

export class InvalidNonceError extends BadInputError {
  readonly codePipelineCode = 'InvalidNonceException';
}

export class InvalidJobStateError extends ConflictError {
  readonly codePipelineCode = 'InvalidJobStateException';
}

export class ActionTypeNotFoundError extends NotFoundError {
  readonly codePipelineCode = 'ActionTypeNotFoundException';
}

export class JobValidationError extends BadInputError {
  readonly codePipelineCode = 'ValidationException';
}

/** CreatePipeline and UpdatePipeline refuse an action of a custom type that is not registered. */
export class InvalidActionDeclarationError extends BadInputError {
  readonly codePipelineCode = 'InvalidActionDeclarationException';
}
