import type { Retrier, StateMachineDefinition, TaskState } from '../../lib/core/asl';
import { FIRST_CALL_RUNNING, retryWaitSeconds } from '../../lib/core/task-retries';
import { packageStack, referencedIds, resourcesOfType, type Template } from '../support/cloudformation';

let template: Template;

beforeAll(async () => {
  template = await packageStack();
}, 180_000);

/** The Task states of a definition, Parallel branches included. */
function tasks(definition: StateMachineDefinition): TaskState[] {
  return Object.values(definition.States).flatMap((state) =>
    state.Type === 'Task' ? [state] : state.Type === 'Parallel' ? state.Branches.flatMap(tasks) : [],
  );
}

describe('the retries of the packaged state machines', () => {
  it('wait for a first call still running at least as long as any function a Task invokes may run', () => {
    const machines = resourcesOfType(template, 'AWS::StepFunctions::StateMachine');
    expect(machines.length).toBeGreaterThan(0);
    for (const [, machine] of machines) {
      const definition = JSON.parse(machine.Properties!.DefinitionString as string) as StateMachineDefinition;
      const waiting = tasks(definition)
        .flatMap((task) => task.Retry ?? [])
        .filter((retrier: Retrier) => retrier.ErrorEquals.includes('IdempotencyAlreadyInProgressError'));
      expect(waiting.length).toBeGreaterThan(0);
      expect(waiting.every((retrier) => JSON.stringify(retrier) === JSON.stringify(FIRST_CALL_RUNNING))).toBe(true);

      const functionIds = Object.values(machine.Properties!.DefinitionSubstitutions as Record<string, unknown>).flatMap(referencedIds);
      expect(functionIds.length).toBeGreaterThan(0);
      for (const id of functionIds) {
        const timeout = template.Resources[id]!.Properties!.Timeout as number;
        expect(typeof timeout).toBe('number');
        expect(retryWaitSeconds(FIRST_CALL_RUNNING)).toBeGreaterThan(timeout + 60);
      }
    }
  });
});
