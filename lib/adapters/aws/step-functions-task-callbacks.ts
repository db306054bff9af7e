import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { TaskCallbacks } from '../../ports/task-callbacks';
import { withAccessExplained, type AccessDeniedOptions } from './access-denied';

/** SendTaskFailure's limits: longer values are refused, and the Task would then wait on. */
const MAX_ERROR_LENGTH = 256;
const MAX_CAUSE_LENGTH = 32768;

/** SendTaskSuccess and SendTaskFailure take no resource in IAM: the task token says which Task. */
const ANY_RESOURCE = '*';

/** The first `max` UTF-16 units of `text`, never ending in half a surrogate pair. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = /[\uD800-\uDBFF]/.test(text.charAt(max - 1)) ? max - 1 : max;
  return text.slice(0, end);
}

/** Resumes Tasks that wait on a task token in Step Functions. */
export class StepFunctionsTaskCallbacks implements TaskCallbacks {
  constructor(
    private readonly client: SFNClient,
    private readonly options: AccessDeniedOptions = {},
  ) {}

  async succeed(taskToken: string, output: Record<string, unknown>): Promise<void> {
    await withAccessExplained({ action: 'states:SendTaskSuccess', resource: ANY_RESOURCE, role: this.options.roleName }, () =>
      this.client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) })),
    );
  }

  async fail(taskToken: string, error: string, cause: string): Promise<void> {
    await withAccessExplained({ action: 'states:SendTaskFailure', resource: ANY_RESOURCE, role: this.options.roleName }, () =>
      this.client.send(
        new SendTaskFailureCommand({ taskToken, error: cut(error, MAX_ERROR_LENGTH), cause: cut(cause, MAX_CAUSE_LENGTH) }),
      ),
    );
  }
}
