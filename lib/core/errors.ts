/**
 * Sluice's errors. The name is what Step Functions Retry/Catch match and what the HTTP API
 * reports, so each subclass sets it explicitly; the message tells the user what to do next.
 */
export class SluiceError extends Error {
  constructor(
    override readonly name: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An action ran and failed: a command exited non-zero, a deployment was refused. */
export class ActionFailedError extends SluiceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('Sluice.ActionFailed', message, options);
  }
}

/** The input was wrong: a missing artifact, a bad buildspec, an unknown pipeline. */
export class BadInputError extends SluiceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('Sluice.BadInput', message, options);
  }
}

/** The request conflicts with what has happened: a decided approval, an ended execution. */
export class ConflictError extends SluiceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('Sluice.Conflict', message, options);
  }
}

/** A thing the user named does not exist. */
export class NotFoundError extends SluiceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('Sluice.NotFound', message, options);
  }
}
