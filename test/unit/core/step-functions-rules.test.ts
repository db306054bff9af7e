import type { ParallelState, StateMachineDefinition, TaskState } from '../../../lib/core/asl';
import { compilePipeline } from '../../../lib/core/compile';
import { formatDefinitionProblem, stepFunctionsProblems } from '../../../lib/core/step-functions-rules';
import { EXAMPLES, PIPELINES, VALID_FIXTURES, loadValid } from '../../support/fixtures';
import { providerCatalog } from '../../../lib/actions/registry';

const DECLARATIONS = [...VALID_FIXTURES, ...EXAMPLES, ...PIPELINES];

/** A compiled definition of its own: the compiler shares its Retriers between states, and the tests change them. */
const compiled = (file: string) => JSON.parse(JSON.stringify(compilePipeline(loadValid(file), providerCatalog).definition)) as StateMachineDefinition;
/** The shipped pipeline's definition: sources, CodeBuild, an approval, with results read downstream. */
const webapp = () => compiled('pipelines/webapp.yml');
/** A definition with a Parallel runOrder group whose branches write results. */
const parallel = () => compiled('test/fixtures/valid/v2-triggers-variables-parallel.json');

const tasks = (definition: StateMachineDefinition) =>
  Object.entries(definition.States).filter((entry): entry is [string, TaskState] => entry[1].Type === 'Task');
const firstTask = (definition: StateMachineDefinition) => tasks(definition)[0]![1];
const parallelOf = (definition: StateMachineDefinition) => Object.values(definition.States).find((state): state is ParallelState => state.Type === 'Parallel')!;
/** The first Task whose Payload reads an earlier action's artifact. */
const artifactReader = (definition: StateMachineDefinition) =>
  tasks(definition).find(([, state]) => JSON.stringify(state.Parameters).includes('"location.$":"$.actions.'))!;

const messages = (definition: StateMachineDefinition, options = {}) => stepFunctionsProblems(definition, options).map(formatDefinitionProblem);

describe('stepFunctionsProblems', () => {
  it.each(DECLARATIONS)('finds nothing in what the compiler makes of %s', (file) => {
    expect(messages(compilePipeline(loadValid(file), providerCatalog).definition)).toEqual([]);
  });

  it('has something to check in the shipped pipeline: Retry, Catch and the results that later Tasks read', () => {
    const definition = webapp();
    expect(tasks(definition).some(([, state]) => state.Retry && state.Catch)).toBe(true);
    expect(artifactReader(definition)).toBeDefined();
  });

  describe('error names', () => {
    it('refuses a States. name that Step Functions does not define, and takes custom ones', () => {
      const definition = webapp();
      firstTask(definition).Retry![0]!.ErrorEquals = ['States.TooManyRequests', 'Lambda.TooManyRequestsException', 'Sluice.ActionFailed'];
      const found = messages(definition);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatch(/Retry\[0\]\.ErrorEquals: "States\.TooManyRequests" is not an error name Step Functions defines/);
    });

    it('takes the documented names, HTTP status errors among them', () => {
      const definition = webapp();
      firstTask(definition).Retry![0]!.ErrorEquals = ['States.Timeout', 'States.TaskFailed', 'States.Http.StatusCode.503', 'States.Runtime'];
      expect(messages(definition)).toEqual([]);
    });

    it('refuses States.ALL beside another name, or in a Catcher that is not the last, and an empty ErrorEquals', () => {
      const definition = webapp();
      const task = firstTask(definition);
      task.Catch = [{ ErrorEquals: ['States.ALL', 'States.Timeout'], ResultPath: '$.error', Next: task.Catch![0]!.Next }, ...task.Catch!];
      task.Retry![1]!.ErrorEquals = [];
      const found = messages(definition);
      expect(found).toEqual([
        expect.stringMatching(/Retry\[1\]\.ErrorEquals: ErrorEquals lists at least one error name/),
        expect.stringMatching(/Catch\[0\]\.ErrorEquals: States\.ALL must be alone in its ErrorEquals, in the last Retrier or Catcher/),
      ]);
    });
  });

  describe('ranges', () => {
    it.each([0, -1, 1.5, 100_000_000])('refuses TimeoutSeconds %p', (seconds) => {
      const definition = webapp();
      firstTask(definition).TimeoutSeconds = seconds;
      expect(messages(definition)).toEqual([
        expect.stringContaining(`TimeoutSeconds: TimeoutSeconds is a whole number of seconds from 1 to 99999999; it is ${seconds}`),
      ]);
    });

    it('takes TimeoutSeconds 99999999, and refuses a HeartbeatSeconds not below it', () => {
      const definition = webapp();
      const task = firstTask(definition) as TaskState & { HeartbeatSeconds?: number };
      task.TimeoutSeconds = 99_999_999;
      expect(messages(definition)).toEqual([]);
      task.HeartbeatSeconds = 99_999_999;
      expect(messages(definition)).toEqual([expect.stringContaining('HeartbeatSeconds (99999999) must be less than TimeoutSeconds (99999999)')]);
    });

    it.each([
      ['IntervalSeconds', 0],
      ['IntervalSeconds', 2.5],
      ['MaxAttempts', -1],
      ['MaxAttempts', 100_000_000],
      ['BackoffRate', 0.5],
      ['MaxDelaySeconds', 0],
      ['MaxDelaySeconds', 31_622_401],
      ['JitterStrategy', 'HALF'],
    ])('refuses a Retrier with %s %p', (field, value) => {
      const definition = webapp();
      (firstTask(definition).Retry![0] as unknown as Record<string, unknown>)[field] = value;
      expect(messages(definition)).toEqual([expect.stringContaining(`Retry[0].${field}: ${field} is`)]);
    });

    it('takes a Retrier at the edges of its ranges', () => {
      const definition = webapp();
      Object.assign(firstTask(definition).Retry![0]!, {
        IntervalSeconds: 1,
        MaxAttempts: 0,
        BackoffRate: 1,
        MaxDelaySeconds: 31_622_400,
        JitterStrategy: 'FULL',
      });
      Object.assign(firstTask(definition).Retry![1]!, { MaxAttempts: 99_999_999, MaxDelaySeconds: 1, JitterStrategy: 'NONE' });
      expect(messages(definition)).toEqual([]);
    });
  });

  describe('names', () => {
    it('refuses a state name longer than 80 characters, and a name used twice, in a branch too', () => {
      const definition = parallel();
      const [name, state] = Object.entries(definition.States)[0]!;
      const long = 'x'.repeat(81);
      definition.States[long] = state;
      const branch = parallelOf(definition).Branches[0]!;
      branch.States[name] = branch.States[branch.StartAt]!;
      const found = messages(definition);
      expect(found).toEqual(
        expect.arrayContaining([
          expect.stringContaining(`state "${long}", name: State names are at most 80 characters; this one has 81.`),
          expect.stringMatching(/Branches\[0\] \/ .*name: The name is also used by the state at/),
        ]),
      );
    });

    it.each(['sluice-prod-web.app', 'sluice-prod-me@example', 'sluice prod', '', `sluice-${'x'.repeat(74)}`])(
      'refuses the logging state machine name %p',
      (name) => {
        expect(messages(webapp(), { stateMachineName: name })).toEqual([
          expect.stringMatching(/^name: State machine name ".*" is refused: a state machine that logs takes 1 to 80 letters, digits, - and _\.$/),
        ]);
      },
    );

    it('takes a name of 80 letters, digits, - and _', () => {
      expect(messages(webapp(), { stateMachineName: `sluice-prod_${'a1'.repeat(34)}` })).toEqual([]);
    });
  });

  describe('the paths each state reads', () => {
    it('refuses an input artifact read from a result that no earlier state wrote', () => {
      const definition = webapp();
      const [name, state] = artifactReader(definition);
      const payload = state.Parameters.Payload as { inputArtifacts: Record<string, string>[] };
      payload.inputArtifacts[0]!['location.$'] = '$.actions.a99.artifacts[0]';
      expect(messages(definition)).toEqual([
        `state "${name}", Parameters.Payload.inputArtifacts[0].location.$: $.actions.a99.artifacts[0] is not in what this state receives on every way into it; Step Functions would fail the execution with States.Runtime, which no Catch catches.`,
      ]);
    });

    it('refuses a result that a state reads before the state that writes it has run', () => {
      const definition = webapp();
      const [name, state] = artifactReader(definition);
      const location = (state.Parameters.Payload as { inputArtifacts: Record<string, string>[] }).inputArtifacts[0]!['location.$']!;
      // The first Task runs before anything writes results.
      const first = firstTask(definition);
      (first.Parameters.Payload as Record<string, unknown>)['early.$'] = location;
      expect(messages(definition)).toEqual([expect.stringContaining(`Parameters.Payload.early.$: ${location} is not in what this state receives`)]);
      expect(name).not.toBe(definition.StartAt);
    });

    it("refuses what the stage's failure state reads when one way into it does not write the error", () => {
      const definition = webapp();
      const failed = Object.keys(definition.States).find((name) => name.endsWith('(failed)'))!;
      // A Catcher that keeps the input as it is passes no $.error on.
      const catcher = tasks(definition).find(([, state]) => state.Catch?.[0]?.Next === failed)![1].Catch![0]!;
      (catcher as { ResultPath: string | null }).ResultPath = null;
      expect(messages(definition)).toEqual([
        expect.stringContaining(`state "${failed}", Parameters.Payload.error.$: $.error is not in what this state receives on every way into it`),
      ]);
    });

    it("refuses a ResultSelector that reads what the integration's result does not hold", () => {
      const definition = webapp();
      const [name, state] = tasks(definition).find(([, entry]) => entry.ResultSelector)!;
      state.ResultSelector = { 'artifacts.$': '$.Payloads.artifacts' };
      expect(messages(definition)).toEqual(
        expect.arrayContaining([
          expect.stringContaining(`state "${name}", ResultSelector.artifacts.$: $.Payloads.artifacts is not in what this state receives`),
        ]),
      );
    });

    it('refuses a Parallel ResultSelector that reads a slot its branch did not write', () => {
      const definition = parallel();
      const group = parallelOf(definition);
      const slots = (group.ResultSelector as { actions: Record<string, string> }).actions;
      const [key, value] = Object.entries(slots).find(([, path]) => path.startsWith('$[0]'))!;
      slots[key] = value.replace('$[0]', `$[${group.Branches.length - 1}]`).replace(/a\d+$/, 'a98');
      expect(messages(definition)).toEqual([
        expect.stringContaining(`ResultSelector.actions.${key}: $[${group.Branches.length - 1}].actions.a98 is not in what this state receives`),
      ]);
    });

    it('refuses a context path outside the context object, and takes the task token', () => {
      const definition = webapp();
      (firstTask(definition).Parameters.Payload as Record<string, unknown>)['token.$'] = '$$.Task.Token';
      expect(messages(definition)).toEqual([]);
      (firstTask(definition).Parameters.Payload as Record<string, unknown>)['token.$'] = '$$.Tasks.Token';
      expect(messages(definition)).toEqual([expect.stringContaining('$$.Tasks.Token is not in the context object')]);
    });

    it('checks the paths an intrinsic function reads', () => {
      const definition = webapp();
      (firstTask(definition).Parameters.Payload as Record<string, unknown>)['label.$'] = "States.Format('{}-{}', $.pipeline.name, $.nowhere)";
      expect(messages(definition)).toEqual([expect.stringContaining('label.$: $.nowhere is not in what this state receives')]);
    });
  });
});
