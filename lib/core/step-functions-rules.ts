import type { ExecutionInput } from './compile';

/**
 * What the Step Functions service refuses in a definition, or fails on at run time, that
 * asl-validator lets through. Each rule cites the service's documented limit; the `.$` rule says
 * what "exists" means below.
 */

/** The error names of the `States.` prefix that Step Functions documents; any other name may not start with it. */
export const STATES_ERROR_NAMES: ReadonlySet<string> = new Set([
  'States.ALL',
  'States.BranchFailed',
  'States.DataLimitExceeded',
  'States.ExceedToleratedFailureThreshold',
  'States.HeartbeatTimeout',
  'States.Http.Socket',
  'States.IntrinsicFailure',
  'States.ItemReaderFailed',
  'States.NoChoiceMatched',
  'States.ParameterPathFailure',
  'States.Permissions',
  'States.QueryEvaluationError',
  'States.ResultPathMatchFailure',
  'States.ResultWriterFailed',
  'States.Runtime',
  'States.TaskFailed',
  'States.Timeout',
]);
/** HTTP Tasks fail with `States.Http.StatusCode.<code>`. */
const HTTP_STATUS_ERROR = /^States\.Http\.StatusCode\.\d{3}$/;

/** TimeoutSeconds, HeartbeatSeconds and a Retrier's IntervalSeconds and MaxAttempts. */
const MAX_SECONDS = 99_999_999;
/** A Retrier's MaxDelaySeconds: one year and a day. */
const MAX_DELAY_SECONDS = 31_622_400;
const MAX_STATE_NAME = 80;
/** The characters Step Functions allows in the name of a state machine that logs to CloudWatch Logs. */
export const LOGGING_NAME_CHARACTERS = /^[A-Za-z0-9_-]+$/;
const MAX_STATE_MACHINE_NAME = 80;

/** What each integration's Task result holds at its top level, for the ResultSelector that reads it. */
const RESULT_FIELDS: Record<string, readonly string[]> = {
  'arn:aws:states:::lambda:invoke': ['Payload', 'StatusCode', 'ExecutedVersion', 'FunctionError', 'LogResult', 'SdkHttpMetadata', 'SdkResponseMetadata'],
  'arn:aws:states:::codebuild:startBuild': ['Build'],
  'arn:aws:states:::codebuild:startBuild.sync': ['Build'],
};

/**
 * What an execution starts with, field by field: `opaque` is read as a whole or anywhere inside,
 * `object` holds only what states write into it. Typed on ExecutionInput, so that a new field of
 * the input is declared here too.
 */
const EXECUTION_INPUT: Record<keyof ExecutionInput, 'opaque' | 'object'> = {
  pipeline: 'opaque',
  actions: 'object',
};

/** The fields of the context object (`$$.`) that a Task may read. */
const CONTEXT_ROOTS = new Set(['Execution', 'State', 'StateMachine', 'Task', 'Map']);

export interface DefinitionProblem {
  /** The state, `Branches[i]`-qualified inside a Parallel; empty for the machine itself. */
  state: string;
  field: string;
  message: string;
}

interface RetrierLike {
  ErrorEquals?: unknown;
  IntervalSeconds?: unknown;
  MaxAttempts?: unknown;
  BackoffRate?: unknown;
  MaxDelaySeconds?: unknown;
  JitterStrategy?: unknown;
}

interface CatcherLike {
  ErrorEquals?: unknown;
  ResultPath?: unknown;
  Next?: unknown;
}

interface StateLike {
  Type?: unknown;
  Resource?: unknown;
  Parameters?: unknown;
  ResultSelector?: unknown;
  ResultPath?: unknown;
  InputPath?: unknown;
  OutputPath?: unknown;
  TimeoutSeconds?: unknown;
  HeartbeatSeconds?: unknown;
  Retry?: RetrierLike[];
  Catch?: CatcherLike[];
  Branches?: MachineLike[];
  Next?: unknown;
  Default?: unknown;
  Choices?: ChoiceRuleLike[];
}

interface ChoiceRuleLike {
  Next?: unknown;
  Variable?: unknown;
  IsPresent?: unknown;
  And?: ChoiceRuleLike[];
}

interface MachineLike {
  StartAt: string;
  States: Record<string, StateLike>;
}

export interface DefinitionRuleOptions {
  /** The state machine's name, checked when the machine logs (Sluice's always do). */
  stateMachineName?: string;
}

/** Every problem of the definition; none means Step Functions takes it. */
export function stepFunctionsProblems(definition: MachineLike, options: DefinitionRuleOptions = {}): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  const machineName = options.stateMachineName;
  if (machineName !== undefined && (!LOGGING_NAME_CHARACTERS.test(machineName) || machineName.length > MAX_STATE_MACHINE_NAME)) {
    problems.push({
      state: '',
      field: 'name',
      message: `State machine name "${options.stateMachineName}" is refused: a state machine that logs takes 1 to 80 letters, digits, - and _.`,
    });
  }
  const seen = new Map<string, string>();
  forEachState(definition, '', (name, state, scope) => {
    const report = (field: string, message: string) => problems.push({ state: scope + name, field, message });
    checkName(name, seen, scope, report);
    checkSeconds(state, report);
    state.Retry?.forEach((retrier, index) => checkRetrier(retrier, `Retry[${index}]`, index === state.Retry!.length - 1, report));
    state.Catch?.forEach((catcher, index) => checkErrorNames(catcher.ErrorEquals, `Catch[${index}].ErrorEquals`, index === state.Catch!.length - 1, report));
  });
  problems.push(...pathProblems(definition));
  return problems;
}

/** A problem as one line that names the state and field. */
export function formatDefinitionProblem(problem: DefinitionProblem): string {
  const where = problem.state === '' ? problem.field : `state "${problem.state}", ${problem.field}`;
  return `${where}: ${problem.message}`;
}

function forEachState(machine: MachineLike, scope: string, visit: (name: string, state: StateLike, scope: string) => void): void {
  for (const [name, state] of Object.entries(machine.States)) {
    visit(name, state, scope);
    state.Branches?.forEach((branch, index) => forEachState(branch, `${scope}${name} / Branches[${index}] / `, visit));
  }
}

type Report = (field: string, message: string) => void;

function checkName(name: string, seen: Map<string, string>, scope: string, report: Report): void {
  if (name.length > MAX_STATE_NAME) report('name', `State names are at most ${MAX_STATE_NAME} characters; this one has ${name.length}.`);
  const first = seen.get(name);
  if (first !== undefined)
    report('name', `The name is also used by the state at "${first}"; state names are unique in the whole state machine, branches included.`);
  else seen.set(name, scope + name);
}

const isInteger = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value);

function checkSeconds(state: StateLike, report: Report): void {
  for (const field of ['TimeoutSeconds', 'HeartbeatSeconds'] as const) {
    const value = state[field];
    if (value === undefined) continue;
    if (!isInteger(value) || value < 1 || value > MAX_SECONDS)
      report(field, `${field} is a whole number of seconds from 1 to ${MAX_SECONDS}; it is ${JSON.stringify(value)}.`);
  }
  if (isInteger(state.TimeoutSeconds) && isInteger(state.HeartbeatSeconds) && state.HeartbeatSeconds >= state.TimeoutSeconds) {
    report('HeartbeatSeconds', `HeartbeatSeconds (${state.HeartbeatSeconds}) must be less than TimeoutSeconds (${state.TimeoutSeconds}).`);
  }
}

function checkRetrier(retrier: RetrierLike, field: string, last: boolean, report: Report): void {
  checkErrorNames(retrier.ErrorEquals, `${field}.ErrorEquals`, last, report);
  const range = (name: keyof RetrierLike, min: number, max: number) => {
    const value = retrier[name];
    if (value !== undefined && (!isInteger(value) || value < min || value > max))
      report(`${field}.${name}`, `${name} is a whole number from ${min} to ${max}; it is ${JSON.stringify(value)}.`);
  };
  range('IntervalSeconds', 1, MAX_SECONDS);
  range('MaxAttempts', 0, MAX_SECONDS);
  range('MaxDelaySeconds', 1, MAX_DELAY_SECONDS);
  const backoff = retrier.BackoffRate;
  if (backoff !== undefined && (typeof backoff !== 'number' || !(backoff >= 1)))
    report(`${field}.BackoffRate`, `BackoffRate is a number of at least 1.0; it is ${JSON.stringify(backoff)}.`);
  const jitter = retrier.JitterStrategy;
  if (jitter !== undefined && jitter !== 'FULL' && jitter !== 'NONE')
    report(`${field}.JitterStrategy`, `JitterStrategy is FULL or NONE; it is ${JSON.stringify(jitter)}.`);
}

/** ErrorEquals: not empty, `States.` names only the documented ones, and States.ALL alone and last. */
function checkErrorNames(names: unknown, field: string, last: boolean, report: Report): void {
  if (!Array.isArray(names) || names.length === 0) {
    report(field, 'ErrorEquals lists at least one error name.');
    return;
  }
  for (const name of names) {
    if (typeof name !== 'string') report(field, `Error names are strings; ${JSON.stringify(name)} is not.`);
    else if (name.startsWith('States.') && !STATES_ERROR_NAMES.has(name) && !HTTP_STATUS_ERROR.test(name)) {
      report(
        field,
        `"${name}" is not an error name Step Functions defines; names that start with "States." are reserved to its own (${[...STATES_ERROR_NAMES].join(', ')}).`,
      );
    }
  }
  if (names.includes('States.ALL') && (names.length > 1 || !last))
    report(field, 'States.ALL must be alone in its ErrorEquals, in the last Retrier or Catcher.');
}

/**
 * The `.$` paths: what each state reads must be in what it receives, on every way into it.
 *
 * "Exists" is tracked as a set of JSONPaths known to be present. An execution starts with the
 * fields of EXECUTION_INPUT. A state's ResultPath adds what it writes there: the keys of its
 * ResultSelector, or the whole result (read anywhere inside). A Catcher's ResultPath adds the
 * error's `Error` and `Cause` at its target. A state receives only what every state leading to it
 * passes on (an intersection). A Parallel's branches start from its input, or what its Parameters
 * make of it, and its ResultSelector reads `$[i]` from what branch i's last states pass on. A Pass
 * with Parameters writes what they make at its ResultPath. A Task's ResultSelector reads the
 * integration's result, whose top-level fields RESULT_FIELDS lists. A path under a field read as a
 * whole (an action's result, the pipeline), and array indexes, are not followed further: the check
 * stops where the definition stops saying what a value holds.
 */
function pathProblems(definition: MachineLike): DefinitionProblem[] {
  const input = new Known();
  for (const [field, kind] of Object.entries(EXECUTION_INPUT)) input.add(`$.${field}`, kind === 'opaque');
  return new PathFlow(definition, '').run(input).problems;
}

/** JSONPaths known to exist; an opaque one may hold anything. */
class Known {
  private readonly paths = new Map<string, boolean>();

  static everything(): Known {
    const known = new Known();
    known.add('$', true);
    return known;
  }

  add(path: string, opaque: boolean): void {
    this.paths.set(path, (this.paths.get(path) ?? false) || opaque);
  }

  /** A path exists when it is known, under an opaque one, or above a known one. */
  has(path: string): boolean {
    return this.coveredByOpaque(path) || [...this.paths.keys()].some((known) => known === path || known.startsWith(`${path}.`) || known.startsWith(`${path}[`));
  }

  coveredByOpaque(path: string): boolean {
    return segmentsOf(path).some((_, index, segments) => this.paths.get(joinSegments(segments.slice(0, index + 1))) === true);
  }

  /** What is under `path`, re-rooted at `target`, in `into`. */
  copyUnder(path: string, target: string, into: Known): void {
    if (this.coveredByOpaque(path)) {
      into.add(target, true);
      return;
    }
    into.add(target, false);
    for (const [known, opaque] of this.paths) {
      if (known.startsWith(`${path}.`) || known.startsWith(`${path}[`)) into.add(target + known.slice(path.length), opaque);
    }
  }

  /** This set and `paths`, each opaque. */
  withOpaque(paths: string[]): Known {
    const more = new Known();
    for (const [known, opaque] of this.paths) more.add(known, opaque);
    for (const path of paths) more.add(path, true);
    return more;
  }

  /** This set with `path` and everything under it replaced. */
  without(path: string): Known {
    const rest = new Known();
    for (const [known, opaque] of this.paths) {
      if (known !== path && !known.startsWith(`${path}.`) && !known.startsWith(`${path}[`)) rest.add(known, opaque);
    }
    return rest;
  }

  intersect(other: Known): Known {
    const both = new Known();
    for (const path of new Set([...this.paths.keys(), ...other.paths.keys()])) {
      if (this.has(path) && other.has(path)) both.add(path, this.coveredByOpaque(path) && other.coveredByOpaque(path));
    }
    return both;
  }

  equals(other: Known): boolean {
    return this.paths.size === other.paths.size && [...this.paths].every(([path, opaque]) => other.paths.get(path) === opaque);
  }
}

/** `$.a.b[0].c` -> `$`, `.a`, `.b`, `[0]`, `.c`. */
function segmentsOf(path: string): string[] {
  return path.match(/^\$|\.[^.[]+|\[[^\]]*\]/g) ?? [];
}
const joinSegments = (segments: string[]) => segments.join('');

/** The paths a `.$` value reads: a path, or the path arguments of an intrinsic function. */
function pathsRead(value: string): string[] {
  if (value.startsWith('$')) return [value];
  return value.match(/\$\$?(?:\.[A-Za-z0-9_-]+|\[\d+\])*/g) ?? [];
}

class PathFlow {
  readonly problems: DefinitionProblem[] = [];

  constructor(
    private readonly machine: MachineLike,
    private readonly scope: string,
  ) {}

  /** What each state receives, to a fixed point; then what each reads is checked once. Answers what the machine's last states pass on. */
  run(input: Known): { problems: DefinitionProblem[]; output: Known | undefined } {
    const received = new Map<string, Known>([[this.machine.StartAt, input]]);
    const queue = [this.machine.StartAt];
    while (queue.length > 0) {
      const name = queue.shift()!;
      const state = this.machine.States[name];
      if (!state) continue;
      for (const [next, passed] of this.transitions(name, state, received.get(name)!, false)) {
        const before = received.get(next);
        const after = before ? before.intersect(passed) : passed;
        if (!before || !before.equals(after)) {
          received.set(next, after);
          queue.push(next);
        }
      }
    }
    let output: Known | undefined;
    for (const [name, known] of received) {
      const state = this.machine.States[name];
      if (!state) continue;
      this.checkReads(name, state, known);
      if (state.Next === undefined && state.Choices === undefined && state.Type !== 'Fail') {
        const passed = this.result(name, state, known, false);
        output = output ? output.intersect(passed) : passed;
      }
    }
    return { problems: this.problems, output };
  }

  /** Where a state leads, and what it passes on each way. */
  private transitions(name: string, state: StateLike, known: Known, report: boolean): [string, Known][] {
    const out: [string, Known][] = [];
    const rules = (state.Choices ?? []).filter((rule) => typeof rule.Next === 'string');
    const next = [state.Next, state.Default].filter((entry): entry is string => typeof entry === 'string');
    if (next.length + rules.length > 0) {
      const passed = this.result(name, state, known, report);
      for (const target of next) out.push([target, passed]);
      // A Choice rule that tests a path is present passes it on, on its way.
      for (const rule of rules) {
        const present = [rule, ...(rule.And ?? [])].flatMap((test) => (test.IsPresent === true && typeof test.Variable === 'string' ? [test.Variable] : []));
        out.push([rule.Next as string, present.length === 0 ? passed : passed.withOpaque(present)]);
      }
    }
    for (const catcher of state.Catch ?? []) {
      if (typeof catcher.Next !== 'string') continue;
      out.push([
        catcher.Next,
        written(known, catcher.ResultPath, (into, target) => {
          into.add(`${target}.Error`, false);
          into.add(`${target}.Cause`, false);
        }),
      ]);
    }
    return out;
  }

  /** What a state passes on when it succeeds. */
  private result(name: string, state: StateLike, known: Known, report: boolean): Known {
    if (state.InputPath !== undefined || state.OutputPath !== undefined) return Known.everything();
    if (state.Type === 'Parallel') {
      const branchInput = state.Parameters === undefined ? known : templated(state.Parameters, known);
      const outputs = (state.Branches ?? []).map((branch, index) => new PathFlow(branch, `${this.scope}${name} / Branches[${index}] / `).run(branchInput));
      if (report) outputs.forEach(({ problems }) => this.problems.push(...problems));
      const array = new Known();
      outputs.forEach(({ output }, index) => (output ?? Known.everything()).copyUnder('$', `$[${index}]`, array));
      return this.selected(name, state, array, report, known);
    }
    if (state.Type === 'Task') {
      const fields = RESULT_FIELDS[String(state.Resource)];
      const taskResult = new Known();
      if (fields) for (const field of fields) taskResult.add(`$.${field}`, true);
      else taskResult.add('$', true);
      return this.selected(name, state, taskResult, report, known);
    }
    if (state.Type === 'Pass' && state.Parameters !== undefined)
      return written(known, state.ResultPath, (into, target) => templated(state.Parameters, known).copyUnder('$', target, into));
    if (state.Type === 'Pass' || state.Type === 'Wait' || state.Type === 'Choice' || state.Type === 'Succeed') return known;
    return Known.everything();
  }

  /** ResultSelector over the raw result, then ResultPath into the input. */
  private selected(name: string, state: StateLike, raw: Known, report: boolean, known: Known): Known {
    const selector = state.ResultSelector as Record<string, unknown> | undefined;
    if (report && selector) this.checkTemplate(name, 'ResultSelector', selector, raw);
    return written(known, state.ResultPath, (into, target) => {
      if (!selector) into.add(target, true);
      else copyTemplate(selector, raw, target, into);
    });
  }

  private checkReads(name: string, state: StateLike, known: Known): void {
    if (state.Parameters !== undefined && state.InputPath === undefined) this.checkTemplate(name, 'Parameters', state.Parameters, known);
    // Checks the ResultSelectors, and the branches of a Parallel, with what this state receives.
    this.transitions(name, state, known, true);
    if (state.Next === undefined && state.Type === 'Parallel') this.result(name, state, known, true);
  }

  private checkTemplate(name: string, field: string, template: unknown, known: Known): void {
    walkTemplate(template, field, (key, value, at) => {
      for (const path of pathsRead(value)) {
        if (path.startsWith('$$')) {
          const root = segmentsOf(path.slice(1))[1]?.slice(1);
          if (!root || !CONTEXT_ROOTS.has(root))
            this.problems.push({
              state: this.scope + name,
              field: `${at}.${key}`,
              message: `${path} is not in the context object, which holds ${[...CONTEXT_ROOTS].join(', ')}.`,
            });
        } else if (!known.has(path)) {
          this.problems.push({
            state: this.scope + name,
            field: `${at}.${key}`,
            message: `${path} is not in what this state receives on every way into it; Step Functions would fail the execution with States.Runtime, which no Catch catches.`,
          });
        }
      }
    });
  }
}

/** The `.$` entries of a Parameters or ResultSelector template, with where each is. */
function walkTemplate(template: unknown, at: string, visit: (key: string, value: string, at: string) => void): void {
  if (Array.isArray(template)) template.forEach((entry, index) => walkTemplate(entry, `${at}[${index}]`, visit));
  else if (template !== null && typeof template === 'object') {
    for (const [key, value] of Object.entries(template)) {
      if (key.endsWith('.$') && typeof value === 'string') visit(key, value, at);
      else walkTemplate(value, `${at}.${key}`, visit);
    }
  }
}

/** What a template produces at `target`: its keys, with what each `.$` copies. */
function copyTemplate(template: Record<string, unknown>, source: Known, target: string, into: Known): void {
  into.add(target, false);
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$') && typeof value === 'string') {
      const field = `${target}.${key.slice(0, -2)}`;
      if (value.startsWith('$') && !value.startsWith('$$') && source.has(value)) source.copyUnder(value, field, into);
      else into.add(field, true);
    } else if (value !== null && typeof value === 'object' && !Array.isArray(value))
      copyTemplate(value as Record<string, unknown>, source, `${target}.${key}`, into);
    else into.add(`${target}.${key}`, true);
  }
}

/** What a Parameters template makes of what the state receives. */
function templated(template: unknown, known: Known): Known {
  const made = new Known();
  if (template !== null && typeof template === 'object' && !Array.isArray(template)) copyTemplate(template as Record<string, unknown>, known, '$', made);
  else made.add('$', true);
  return made;
}

/** The input with a ResultPath written: null keeps it, `$` replaces it, a path replaces that part. */
function written(known: Known, resultPath: unknown, write: (into: Known, target: string) => void): Known {
  if (resultPath === null) return known;
  const target = typeof resultPath === 'string' ? resultPath : '$';
  const into = target === '$' ? new Known() : known.without(target);
  write(into, target);
  return into;
}
