import { InvalidToken, SendTaskFailureCommand, SendTaskSuccessCommand, TaskDoesNotExist, TaskTimedOut, type SFNClient } from '@aws-sdk/client-sfn';
import { TaskNotWaitingError, type SluiceError } from '../../core/errors';
import type { TaskCallbacks } from '../../ports/task-callbacks';
import { withAccessExplained, type AccessDeniedOptions } from './access-denied';

/**
 * SendTaskFailure's limit on the cause: a longer one is refused, and the Task would then wait on.
 * The error is a catalogued name, well within its limit of 256.
 */
const MAX_CAUSE_LENGTH = 32768;

/** SendTaskSuccess and SendTaskFailure take no resource in IAM: the task token says which Task. */
const ANY_RESOURCE = '*';

/** The first `max` UTF-16 units of `text`, never ending in half a surrogate pair. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = /[\uD800-\uDBFF]/.test(text.charAt(max - 1)) ? max - 1 : max;
  return text.slice(0, end);
}

/**
 * What Step Functions answers for a token no Task waits on: TaskTimedOut once the Task's timer
 * ran out or its token was used, TaskDoesNotExist once its execution ended, InvalidToken for a
 * token it does not know.
 */
function notWaiting(error: unknown): boolean {
  return error instanceof TaskTimedOut || error instanceof TaskDoesNotExist || error instanceof InvalidToken;
}

/** Resumes Tasks that wait on a task token in Step Functions. */
export class StepFunctionsTaskCallbacks implements TaskCallbacks {
  constructor(
    private readonly client: SFNClient,
    private readonly options: AccessDeniedOptions = {},
  ) {}

  async succeed(taskToken: string, output: Record<string, unknown>, record?: () => Promise<void>): Promise<void> {
    await this.call('states:SendTaskSuccess', () => this.client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) })));
    await record?.();
  }

  async fail(taskToken: string, error: SluiceError, record?: () => Promise<void>): Promise<void> {
    await this.call('states:SendTaskFailure', () =>
      this.client.send(new SendTaskFailureCommand({ taskToken, error: error.name, cause: cut(error.message, MAX_CAUSE_LENGTH) })),
    );
    await record?.();
  }

  private async call(action: string, send: () => Promise<unknown>): Promise<void> {
    try {
      await withAccessExplained({ action, resource: ANY_RESOURCE, role: this.options.roleName }, send);
    } catch (error) {
      if (notWaiting(error)) throw new TaskNotWaitingError(`Step Functions no longer waits on this task: ${(error as Error).name}.`, { cause: error });
      throw error;
    }
  }
}
