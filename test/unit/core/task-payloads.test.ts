import { providerCatalog } from '../../../lib/actions/registry';
import { createRequire } from 'node:module';
import type { TaskState } from '../../../lib/core/asl';
import { FUNCTION_PLACEHOLDERS, compilePipeline } from '../../../lib/core/compile';
import { TASK_FUNCTIONS, isLambdaTaskStep } from '../../../lib/core/task-functions';
import { TASK_IDEMPOTENCY_KEY } from '../../../lib/core/task-payloads';
import { allStates } from '../../support/asl-walk';
import { EXAMPLES, PIPELINES, VALID_FIXTURES, loadValid } from '../../support/fixtures';

// The JMESPath that Powertools' idempotency resolves the key with: its own dependency, at its own version.
const { search } = createRequire(require.resolve('@aws-lambda-powertools/idempotency'))('@aws-lambda-powertools/jmespath') as {
  search(expression: string, data: unknown): unknown;
};

const DECLARATIONS = [...VALID_FIXTURES, ...EXAMPLES, ...PIPELINES];

/** A Task's payload as Step Functions hands it over: `$.pipeline` from the execution, every other path a stand-in. */
function effectivePayload(parameters: unknown, pipeline: unknown): unknown {
  if (Array.isArray(parameters)) return parameters.map((entry) => effectivePayload(entry, pipeline));
  if (typeof parameters !== 'object' || parameters === null) return parameters;
  return Object.fromEntries(
    Object.entries(parameters).map(([key, value]) =>
      key.endsWith('.$') ? [key.slice(0, -2), value === '$.pipeline' ? pipeline : `<${String(value)}>`] : [key, effectivePayload(value, pipeline)],
    ),
  );
}

/** Every Task that invokes a function, with the payload it sends in an execution with this id. */
function lambdaTasks(file: string, executionId: string) {
  const pipeline = { name: 'p', version: 1, executionId, variables: {} };
  return allStates(compilePipeline(loadValid(file), providerCatalog).definition).flatMap(([name, state]) => {
    const parameters = (state as TaskState).Parameters as { FunctionName?: string; Payload?: unknown } | undefined;
    return state.Type === 'Task' && parameters?.Payload
      ? [{ name, functionName: parameters.FunctionName, payload: effectivePayload(parameters.Payload, pipeline) as Record<string, unknown> }]
      : [];
  });
}

describe("the task handlers' idempotency key", () => {
  it.each(DECLARATIONS)('selects one Task of one execution from each Lambda Task payload of %s', (file) => {
    const tasks = lambdaTasks(file, 'execution-1');
    expect(tasks.length).toBeGreaterThan(0);
    const keys = tasks.map(({ name, payload }) => {
      const key = search(TASK_IDEMPOTENCY_KEY, payload) as unknown[];
      const [executionId, attempt, stage, action, step] = key;
      // The first attempt's input has no retry.
      expect(attempt).toBeNull();
      const isActionStep = payload.action !== undefined;
      expect({ name, executionId, stage: typeof stage, step, action: typeof action }).toEqual({
        name,
        executionId: 'execution-1',
        stage: 'string',
        step: payload.step,
        action: isActionStep ? 'string' : 'object',
      });
      return JSON.stringify(key);
    });
    expect(new Set(keys).size).toBe(tasks.length);
    const again = lambdaTasks(file, 'execution-2').map(({ payload }) => JSON.stringify(search(TASK_IDEMPOTENCY_KEY, payload)));
    expect(again.filter((key) => keys.includes(key))).toEqual([]);
  });

  it.each(DECLARATIONS)('sends each Lambda Task of %s to the function that runs its step', (file) => {
    for (const { name, functionName, payload } of lambdaTasks(file, 'execution-1')) {
      const step = payload.step as string;
      expect({ name, step, lambda: isLambdaTaskStep(step as never) }).toEqual({ name, step, lambda: true });
      expect({ name, functionName }).toEqual({ name, functionName: FUNCTION_PLACEHOLDERS[TASK_FUNCTIONS[step as keyof typeof TASK_FUNCTIONS]] });
    }
  });
});
