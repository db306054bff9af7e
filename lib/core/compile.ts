import type { Catcher, ChoiceRule, ChoiceState, ParallelState, PassState, State, StateMachineDefinition, TaskState } from './asl';
import { CONDITION_STEPS, type ConditionDeclaration, type ConditionStep } from './rules';
import type { ActionStepResult } from './task-payloads';
import type { ActionDeclaration, ExecutionMode, PipelineDeclaration, StageDeclaration } from './declaration';
import { providerKey } from './declaration-fields';
import { LAMBDA_INVOKE, LAMBDA_INVOKE_WAIT, type ActionIntegration } from './integrations/action-integration';
import { approvalIntegration } from './integrations/approval';
import { codeBuildIntegration } from './integrations/codebuild';
import { jobIntegration, lambdaJobIntegration } from './integrations/job';
import { pollingRunnerIntegration } from './integrations/polling';
import { actionRunnerIntegration } from './integrations/runner';
import type { Integration, ProviderCatalog } from './providers';
import { groupByRunOrder } from './run-order';
import { TASK_FUNCTIONS, type LambdaTaskStep } from './task-functions';
import { FIRST_CALL_RUNNING, LAMBDA_TRANSIENT } from './task-retries';
import { EXECUTION_NAMESPACE, PIPELINE_VARIABLES_NAMESPACE, findVariableReferences, variableSites } from './variables';

/** What a Task state does; the local engine routes each Task to its handler by this. */
export type TaskStep =
  | 'enterStage'
  | 'runAction'
  | 'requestApproval'
  | 'queueJob'
  | 'prepareBuild'
  | 'startBuild'
  | 'completeBuild'
  | 'failBuild'
  | 'exitStage'
  | 'failStage'
  | ConditionStep;

export interface TaskBinding {
  step: TaskStep;
  stage: string;
  action?: string;
}

export interface CompiledPipeline {
  definition: StateMachineDefinition;
  /** Every Task state, by name, with the stage and action it belongs to. */
  tasks: Record<string, TaskBinding>;
}

/** The Lambda functions the definition invokes. */
export interface FunctionArns {
  stageStep: string;
  actionRunner: string;
  approvalRequest: string;
}

/** Placeholders in the form that CloudFormation's DefinitionSubstitutions replaces. */
export const FUNCTION_PLACEHOLDERS: FunctionArns = {
  stageStep: '${StageStepFunctionArn}',
  actionRunner: '${ActionRunnerFunctionArn}',
  approvalRequest: '${ApprovalRequestFunctionArn}',
};

/**
 * The input an execution starts with. Each action that produces artifacts or variables writes
 * its result to `actions.<slot>`, and the actions after it read from there.
 */
/** One pinned source, in the shape of StartPipelineExecution's `sourceRevisions`. */
export interface SourceRevision {
  actionName: string;
  /**
   * CodePipeline's SourceRevisionType: a commit, an ECR image's digest, or an S3 object's version,
   * or its key where the bucket keeps no versions.
   */
  revisionType: 'COMMIT_ID' | 'IMAGE_DIGEST' | 'S3_OBJECT_VERSION_ID' | 'S3_OBJECT_KEY';
  revisionValue: string;
}

/**
 * A stage run again within its execution (RetryStageExecution, or a stage's automatic retry): the
 * definition enters at that stage's enter step, and each action named in `kept` does not run
 * again, its earlier result (artifacts and variables, `{}` for an action that keeps none) standing.
 */
export interface StageRetryInput {
  stage: string;
  /** The execution's attempt that this run makes: 2 for the first retry. */
  attempt: number;
  /** By each action's key (its result slot's name, `a<ordinal>`). */
  kept: Record<string, Partial<ActionStepResult>>;
}

/**
 * A rollback execution (RollbackStage, or a stage's automatic rollback): the definition enters at
 * the stage's enter step, with the target execution's results of the earlier stages, and ends
 * once the stage has run: as CodePipeline's rollback, it redeploys that stage alone.
 */
export interface StageRollbackInput {
  stage: string;
  /** The execution whose artifacts and variables the stage runs with again. */
  target: string;
}

/** Where an execution keeps its artifacts and action logs: its pipeline's artifactStore when it declares one. */
export interface ExecutionArtifactStore {
  bucketName: string;
  /** artifactStore.encryptionKey: the KMS key that every object written there is encrypted with (SSE-KMS). */
  kmsKeyId?: string;
}

/** The artifact store of an execution; one recorded before executions carried theirs used the installation's bucket. */
export function artifactStoreOf(execution: { artifactStore?: ExecutionArtifactStore }, installationBucket: string): ExecutionArtifactStore {
  return execution.artifactStore ?? { bucketName: installationBucket };
}

/** The artifact stores of an execution: its home region's, and those of the regions its cross-region actions run in. */
export interface ExecutionArtifactStores {
  artifactStore: ExecutionArtifactStore;
  /** By region, every region of artifactStores but the home region. */
  regionalArtifactStores?: Record<string, ExecutionArtifactStore>;
}

/**
 * The artifact stores that a pipeline's executions use: its declared artifactStore, or the
 * installation's bucket; with artifactStores, the entry of `homeRegion` and one for each other
 * region. Undefined when artifactStores has no entry for `homeRegion`, which validation refuses.
 */
export function declaredArtifactStores(
  pipeline: PipelineDeclaration,
  installation: { bucketName: string; homeRegion?: string },
): ExecutionArtifactStores | undefined {
  const { artifactStore, artifactStores } = pipeline;
  if (!artifactStores) return { artifactStore: artifactStore ? executionStore(artifactStore) : { bucketName: installation.bucketName } };
  const home = installation.homeRegion === undefined ? undefined : artifactStores[installation.homeRegion];
  if (!home) return undefined;
  const regional = Object.entries(artifactStores).filter(([region]) => region !== installation.homeRegion);
  return {
    artifactStore: executionStore(home),
    ...(regional.length > 0 ? { regionalArtifactStores: Object.fromEntries(regional.map(([region, store]) => [region, executionStore(store)])) } : {}),
  };
}

function executionStore(store: NonNullable<PipelineDeclaration['artifactStore']>): ExecutionArtifactStore {
  return { bucketName: store.location, ...(store.encryptionKey ? { kmsKeyId: store.encryptionKey.id } : {}) };
}

export interface ExecutionInput {
  pipeline: {
    name: string;
    version: number;
    executionId: string;
    /** When the execution started, which every event carries; absent from the input of a run started before it was. */
    startTime?: string;
    /** The pipeline-level variables, resolved: defaults overridden by the start request. */
    variables: Record<string, string>;
    /** Source actions pinned to a revision instead of their branch's head; every Task gets them. */
    sourceRevisions?: SourceRevision[];
    artifactStore?: ExecutionArtifactStore;
    /** Where cross-region actions keep their artifacts, by region: the artifactStores of the pipeline's other regions. */
    regionalArtifactStores?: Record<string, ExecutionArtifactStore>;
    retry?: StageRetryInput;
    rollback?: StageRollbackInput;
  };
  actions: Record<string, ActionStepResult>;
}

const MAX_STATE_NAME = 80;
const PIPELINE_FAILED = 'Pipeline failed';
/** The first state: it enters the stage a retry names, or the first stage. Stage names hold no spaces, so no stage's state has this name. */
const ENTRY = 'Enter at stage';
const RETRY_ENTRY = 'Enter at the stage retried';
const ROLLBACK_ENTRY = 'Enter at the stage rolled back';
/** Where a rollback ends, its stage run: no stage after it runs. */
const ROLLED_BACK = 'Stage rolled back';

/** The module of each integration that a provider spec can name. */
const INTEGRATIONS: Record<Integration, ActionIntegration> = {
  runner: actionRunnerIntegration,
  polling: pollingRunnerIntegration,
  approval: approvalIntegration,
  codebuild: codeBuildIntegration,
  job: jobIntegration,
  'lambda-job': lambdaJobIntegration,
};

interface PlannedAction {
  action: ActionDeclaration;
  stage: StageDeclaration;
  ordinal: number;
  /** Where the action's result is kept in the execution state, if it produces anything. */
  slot?: string;
}

interface Fragment {
  startAt: string;
  states: Record<string, State>;
  /** The states whose transition leads on to whatever follows the fragment. */
  exits: string[];
}

/**
 * Compiles a validated declaration into one Standard state machine, each action by the
 * integration its provider's spec in `catalog` names. Pure and deterministic: the same
 * declaration always gives byte-identical JSON.
 */
export function compilePipeline(pipeline: PipelineDeclaration, catalog: ProviderCatalog, functions: FunctionArns = FUNCTION_PLACEHOLDERS): CompiledPipeline {
  return compileWithGroups(pipeline, catalog, functions).compiled;
}

/** Where an earlier action's result is kept: `$.actions.<slot>`. */
export interface ResultSlot {
  stage: string;
  action: string;
  slot: string;
}

/** A definition that re-enters an execution part-way, and what its state input must hold there. */
export interface EntryDefinition {
  /** The pipeline's definition, unchanged but for StartAt. */
  compiled: CompiledPipeline;
  /** The slots that the actions run before StartAt have written, in the order they ran. */
  slots: ResultSlot[];
}

/** An action of a stage: its name, and its key in a retry's `kept`; `slot` when it keeps a result. */
export interface StageAction {
  action: string;
  key: string;
  slot?: string;
}

export interface StageEntryDefinition extends EntryDefinition {
  /** The stage's actions, in declaration order. */
  actions: StageAction[];
}

export interface ResumeDefinition extends EntryDefinition {
  /** The names of the actions in the runOrder group at StartAt; a Parallel group is re-entered whole. */
  group: string[];
}

/**
 * The definition that re-enters an execution at the runOrder group holding `actionName` (the
 * group's top-level state, so the stage's enter step does not run again), and the result slots
 * that the state input must hold for the actions after it. Undefined when there is no such action.
 */
export function resumeDefinition(
  pipeline: PipelineDeclaration,
  catalog: ProviderCatalog,
  stageName: string,
  actionName: string,
  functions: FunctionArns = FUNCTION_PLACEHOLDERS,
): ResumeDefinition | undefined {
  const { compiled, groups } = compileWithGroups(pipeline, catalog, functions);
  const stage = pipeline.stages.find((entry) => entry.name === stageName);
  const action = stage?.actions.find((entry) => entry.name === actionName);
  const group = action && groups.get(action);
  if (!group) return undefined;
  return { ...enteredAt(compiled, group), group: group.members };
}

/**
 * The definition that re-enters an execution at a stage's enter step, as it stood in front of the
 * stage (in its line, or on its way there), and the result slots that the actions of the earlier
 * stages have written. Undefined when there is no such stage.
 */
export function stageEntryDefinition(
  pipeline: PipelineDeclaration,
  catalog: ProviderCatalog,
  stageName: string,
  functions: FunctionArns = FUNCTION_PLACEHOLDERS,
): StageEntryDefinition | undefined {
  const { compiled, stageEntries, planned } = compileWithGroups(pipeline, catalog, functions);
  const entry = stageEntries.get(stageName);
  if (!entry) return undefined;
  const actions = [...planned.values()]
    .filter((member) => member.stage.name === stageName)
    .map(({ action, ordinal, slot }) => ({ action: action.name, key: actionKey(ordinal), ...(slot ? { slot } : {}) }));
  return { ...enteredAt(compiled, entry), actions };
}

/** An action's key in a retry's `kept`, which is also the name of its result slot, when it has one. */
const actionKey = (ordinal: number) => `a${ordinal}`;

/** Where a definition can be entered: a top-level state, and the actions that run before it. */
interface EntryPoint {
  state: string;
  before: PlannedAction[];
}

interface GroupEntry extends EntryPoint {
  members: string[];
}

function enteredAt(compiled: CompiledPipeline, entry: EntryPoint): EntryDefinition {
  const slots = entry.before.flatMap(({ stage, action, slot }) => (slot ? [{ stage: stage.name, action: action.name, slot }] : []));
  return { compiled: { ...compiled, definition: { ...compiled.definition, StartAt: entry.state } }, slots };
}

function compileWithGroups(
  pipeline: PipelineDeclaration,
  catalog: ProviderCatalog,
  functions: FunctionArns,
): {
  compiled: CompiledPipeline;
  groups: Map<ActionDeclaration, GroupEntry>;
  stageEntries: Map<string, EntryPoint>;
  planned: Map<ActionDeclaration, PlannedAction>;
} {
  const planned = planActions(pipeline, catalog);
  const compiler = new StageCompiler(planned, catalog, functions, pipeline.artifactStore?.encryptionKey?.id);
  const states: Record<string, State> = {};
  const stageStarts = pipeline.stages.map((stage) => stateName([stage.name], 'enter'));

  pipeline.stages.forEach((stage, index) => {
    const last = index === pipeline.stages.length - 1;
    const place = { mode: pipeline.executionMode ?? 'SUPERSEDED', ...(index > 0 ? { previousStage: pipeline.stages[index - 1]!.name } : {}) } as const;
    const fragment = compiler.stage(stage, last ? undefined : stageStarts[index + 1], place);
    Object.assign(states, fragment.states);
  });
  states[PIPELINE_FAILED] = {
    Type: 'Fail',
    Error: 'Sluice.PipelineFailed',
    Cause: 'A stage failed. The execution record names the failed action and its error.',
  };
  // A retry starts the execution's own published version again, and a rollback a new execution of
  // the current one, at the stage it names, with the results of the stages before it (which the
  // rule asks for, so that the definition says so). The first stage, of sources, is neither
  // retried with earlier results nor rolled back.
  if (pipeline.stages.length > 1) {
    const rule =
      (path: string) =>
      (stage: StageDeclaration, index: number): ChoiceRule => {
        const named = { Variable: `${path}.stage`, StringEquals: stage.name };
        const slots = compiler.stageEntries
          .get(stage.name)!
          .before.flatMap(({ slot }) => (slot ? [{ Variable: `$.actions.${slot}`, IsPresent: true as const }] : []));
        return { ...(slots.length > 0 ? { And: [named, ...slots] } : named), Next: stageStarts[index + 1]! };
      };
    // A path a rule compares must be there (else States.Runtime): only a retry's or a rollback's input has one.
    states[ENTRY] = {
      Type: 'Choice',
      Choices: [
        { Variable: '$.pipeline.retry', IsPresent: true, Next: RETRY_ENTRY },
        { Variable: '$.pipeline.rollback', IsPresent: true, Next: ROLLBACK_ENTRY },
      ],
      Default: stageStarts[0]!,
    };
    states[RETRY_ENTRY] = { Type: 'Choice', Choices: pipeline.stages.slice(1).map(rule('$.pipeline.retry')), Default: stageStarts[0]! };
    // A rollback whose input does not fit the definition runs nothing rather than the whole pipeline.
    states[ROLLBACK_ENTRY] = { Type: 'Choice', Choices: pipeline.stages.slice(1).map(rule('$.pipeline.rollback')), Default: PIPELINE_FAILED };
    // Where a rollback of a stage between the first and the last ends (after the last, the definition ends anyway).
    if (pipeline.stages.length > 2) states[ROLLED_BACK] = { Type: 'Succeed' };
  }

  return {
    compiled: {
      definition: {
        Comment: `Sluice pipeline ${pipeline.name}, version ${pipeline.version ?? 1}`,
        StartAt: pipeline.stages.length > 1 ? ENTRY : stageStarts[0]!,
        States: states,
      },
      tasks: compiler.tasks,
    },
    groups: compiler.groups,
    stageEntries: compiler.stageEntries,
    planned,
  };
}

/**
 * The integration the action's provider names. Validation has refused providers it did not know:
 * an action of owner Custom that the catalog lacks is of a custom type registered at run time
 * (CreateCustomActionType), a job for a worker.
 */
function integrationOf(action: ActionDeclaration, catalog: ProviderCatalog): ActionIntegration {
  const spec = catalog.get(providerKey(action.actionTypeId));
  if (!spec && action.actionTypeId.owner === 'Custom') return jobIntegration;
  return INTEGRATIONS[spec?.integration ?? 'runner'];
}

function planActions(pipeline: PipelineDeclaration, catalog: ProviderCatalog): Map<ActionDeclaration, PlannedAction> {
  const planned = new Map<ActionDeclaration, PlannedAction>();
  let ordinal = 0;
  for (const stage of pipeline.stages) {
    for (const action of stage.actions) {
      const producesSomething = (action.outputArtifacts?.length ?? 0) > 0 || action.namespace !== undefined;
      // An action whose integration keeps no result (a Manual approval) writes no slot, even with a namespace.
      const slot = producesSomething && integrationOf(action, catalog).keepsResult ? actionKey(ordinal) : undefined;
      planned.set(action, { action, stage, ordinal, slot });
      ordinal += 1;
    }
  }
  return planned;
}

/**
 * A readable, unique state name. Stage and action names cannot hold spaces, parentheses or "~",
 * so the decorations below never collide with a declared name; a name cut to fit 80 characters
 * ends in "~" and the action's ordinal, which keeps it unique.
 */
function stateName(parts: string[], role?: string, ordinal?: number): string {
  const suffix = role ? ` (${role})` : '';
  const full = parts.join(' / ') + suffix;
  if (full.length <= MAX_STATE_NAME) return full;
  const tag = `~${ordinal ?? 0}`;
  const room = MAX_STATE_NAME - suffix.length - tag.length - (parts.length - 1) * 3;
  const each = Math.floor(room / parts.length);
  return parts.map((part) => part.slice(0, each)).join(' / ') + tag + suffix;
}

class StageCompiler {
  readonly tasks: Record<string, TaskBinding> = {};
  /** Each action's runOrder group: its top-level state, and what ran before it. */
  readonly groups = new Map<ActionDeclaration, GroupEntry>();
  /** Each stage's enter step, and what ran before it. */
  readonly stageEntries = new Map<string, EntryPoint>();
  /** The actions that have run, in execution order, as the compiler walks the pipeline. */
  private readonly done: PlannedAction[] = [];

  constructor(
    private readonly planned: Map<ActionDeclaration, PlannedAction>,
    private readonly catalog: ProviderCatalog,
    private readonly functions: FunctionArns,
    private readonly artifactKmsKeyId: string | undefined,
  ) {}

  /**
   * A stage: its enter Task waits on its token until the stage's line admits the execution (see
   * stage-entry.ts), its runOrder groups, and its exit and failure Tasks, which let go of the stage.
   * A stage with a failure condition evaluates it between its failure and its failure Task.
   */
  stage(stage: StageDeclaration, next: string | undefined, place: { mode: ExecutionMode; previousStage?: string }): Fragment {
    const enter = stateName([stage.name], 'enter');
    const exit = stateName([stage.name], 'exit');
    const failed = stateName([stage.name], 'failed');
    const failureConditions = stage.onFailure?.conditions;
    const onFailure = failureConditions ? stateName([stage.name], 'onFailure') : failed;
    const catchTo = catchers(onFailure, '$.error');
    const states: Record<string, State> = {};

    const previous = place.previousStage ? { previousStage: place.previousStage } : {};
    states[enter] = this.stageTask(
      stage,
      'enterStage',
      catchTo,
      {
        mode: place.mode,
        ...previous,
        'taskToken.$': '$$.Task.Token',
        ...(stage.beforeEntry ? { beforeEntry: stage.beforeEntry } : {}),
      },
      LAMBDA_INVOKE_WAIT,
    );
    this.tasks[enter] = { step: 'enterStage', stage: stage.name };
    this.stageEntries.set(stage.name, { state: enter, before: [...this.done] });

    let previousExits = [enter];
    if (stage.beforeEntry) {
      const entry = this.beforeEntry(stage, next, previous, catchTo);
      Object.assign(states, entry.states);
      link(states[enter], entry.startAt);
      previousExits = entry.exits;
    }
    for (const group of groupByRunOrder(stage.actions.map((action) => this.planned.get(action)!))) {
      const fragment =
        group.members.length === 1 ? this.action(group.members[0]!, catchTo) : this.parallel(stage, group.runOrder, group.members, catchTo, onFailure);
      Object.assign(states, fragment.states);
      for (const member of group.members)
        this.groups.set(member.action, { state: fragment.startAt, before: [...this.done], members: group.members.map((entry) => entry.action.name) });
      for (const name of previousExits) link(states[name]!, fragment.startAt);
      previousExits = fragment.exits;
      this.done.push(...group.members);
    }

    if (stage.onSuccess) {
      const check = stateName([stage.name], 'onSuccess');
      states[check] = this.conditionTask(
        stage,
        CONDITION_STEPS.onSuccess,
        stage.onSuccess.conditions,
        { ...previous, final: next === undefined },
        catchTo,
        check,
      );
      for (const name of previousExits) link(states[name]!, check);
      previousExits = [check];
    }

    states[exit] = this.stageTask(stage, 'exitStage', catchTo, {
      final: next === undefined,
      ...previous,
      ...(stage.onSuccess ? { onSuccess: stage.onSuccess } : {}),
    });
    this.tasks[exit] = { step: 'exitStage', stage: stage.name };
    for (const name of previousExits) link(states[name]!, exit);
    if (next !== undefined && place.previousStage) {
      // A rollback runs only its stage, which its input alone names: after any stage it runs, it ends.
      const after = stateName([stage.name], 'rolled back?');
      states[after] = { Type: 'Choice', Choices: [{ Variable: '$.pipeline.rollback', IsPresent: true, Next: ROLLED_BACK }], Default: next };
      link(states[exit], after);
    } else link(states[exit], next);

    if (failureConditions) {
      // The condition's ROLLBACK fails its Task, whose Catch hands the failure Task the
      // ConditionRollbackError that rolls the stage back; when it passes, the stage's error goes on.
      states[onFailure] = {
        ...this.conditionTask(
          stage,
          CONDITION_STEPS.onFailure,
          failureConditions,
          { ...previous, 'error.$': '$.error' },
          catchers(failed, '$.error'),
          onFailure,
        ),
        Next: failed,
      };
    }

    states[failed] = this.stageTask(stage, 'failStage', undefined, {
      ...previous,
      'error.$': '$.error',
      ...(stage.onFailure ? { onFailure: stage.onFailure } : {}),
    });
    this.tasks[failed] = { step: 'failStage', stage: stage.name };
    if (stage.onFailure?.result === 'RETRY') Object.assign(states, retryAfterFailure(stage, states[failed], enter));
    else link(states[failed], PIPELINE_FAILED);
    return { startAt: enter, states, exits: [exit] };
  }

  /**
   * A stage's entry conditions, once its line has admitted the execution: their Task, and a Choice
   * that goes on to the stage's actions, or past the stage when a condition skipped it.
   *
   * After the line, not before: CodePipeline evaluates an entry condition as the execution enters
   * the stage, and its verdict must hold when the actions start. Checked before a wait in line, a
   * deployment window could close or an alarm go off while the execution waits. The stage is
   * InProgress (and locked) while its rules run, as its condition state shows.
   */
  private beforeEntry(stage: StageDeclaration, next: string | undefined, previous: { previousStage?: string }, catchTo: Catcher[]): Fragment {
    const check = stateName([stage.name], 'beforeEntry');
    const skip = stateName([stage.name], 'skipped?');
    const states: Record<string, State> = {};
    states[check] = {
      ...this.conditionTask(stage, CONDITION_STEPS.beforeEntry, stage.beforeEntry!.conditions, { ...previous, final: next === undefined }, catchTo, check),
      ResultSelector: { 'skipped.$': '$.Payload.skipped' },
      ResultPath: '$.entry',
      Next: skip,
    };
    let skipTo = next;
    if (skipTo === undefined) {
      skipTo = stateName([stage.name], 'skipped');
      states[skipTo] = { Type: 'Succeed' };
    }
    const skipped = { Variable: '$.entry.skipped', BooleanEquals: true };
    // A rollback whose stage an entry condition skips ends there, as it ends after its stage.
    const rollbackEnds: ChoiceRule[] =
      next !== undefined && previous.previousStage ? [{ And: [skipped, { Variable: '$.pipeline.rollback', IsPresent: true }], Next: ROLLED_BACK }] : [];
    states[skip] = { Type: 'Choice', Choices: [...rollbackEnds, { ...skipped, Next: skipTo }] };
    return { startAt: check, states, exits: [skip] };
  }

  /** A Task that evaluates conditions, in the action runner (a Commands rule runs there), with the artifacts and variables their rules name. */
  private conditionTask(
    stage: StageDeclaration,
    step: ConditionStep,
    conditions: ConditionDeclaration[],
    extra: Record<string, unknown>,
    catchTo: Catcher[],
    name: string,
  ): TaskState {
    this.tasks[name] = { step, stage: stage.name };
    const { producers, byNamespace } = this.earlierOutputs();
    const rules = conditions.flatMap((condition) => condition.rules ?? []);
    const artifacts: Record<string, string> = {};
    const namespaces: Record<string, string> = {};
    for (const rule of rules) {
      for (const { name } of rule.inputArtifacts ?? []) {
        const producer = producers.get(name)!;
        artifacts[`${name}.$`] = `$.actions.${producer.slot}.artifacts[${producer.index}]`;
      }
      for (const { namespace } of Object.values(rule.configuration ?? {}).flatMap(findVariableReferences)) {
        if (namespace === EXECUTION_NAMESPACE || namespace === PIPELINE_VARIABLES_NAMESPACE) continue;
        namespaces[`${namespace}.$`] = `$.actions.${byNamespace.get(namespace)}.variables`;
      }
    }
    return {
      Type: 'Task',
      Resource: LAMBDA_INVOKE,
      Parameters: {
        FunctionName: this.functions[TASK_FUNCTIONS[step]],
        Payload: { step, 'pipeline.$': '$.pipeline', stage: stage.name, ...extra, conditions, namespaces, artifacts },
      },
      ResultPath: null,
      Retry: [LAMBDA_TRANSIENT, FIRST_CALL_RUNNING],
      Catch: catchTo,
    };
  }

  /** Where the outputs of the actions run so far are kept: each artifact's slot, and each namespace's. */
  private earlierOutputs(): { producers: Map<string, { slot: string; index: number }>; byNamespace: Map<string, string> } {
    const producers = new Map<string, { slot: string; index: number }>();
    const byNamespace = new Map<string, string>();
    for (const earlier of this.done) {
      if (!earlier.slot) continue;
      earlier.action.outputArtifacts?.forEach((artifact, index) => producers.set(artifact.name, { slot: earlier.slot!, index }));
      if (earlier.action.namespace) byNamespace.set(earlier.action.namespace, earlier.slot);
    }
    return { producers, byNamespace };
  }

  private stageTask(
    stage: StageDeclaration,
    step: LambdaTaskStep,
    catchTo: Catcher[] | undefined,
    extra: Record<string, unknown>,
    resource = LAMBDA_INVOKE,
  ): TaskState {
    return {
      Type: 'Task',
      Resource: resource,
      Parameters: {
        FunctionName: this.functions[TASK_FUNCTIONS[step]],
        Payload: { step, 'pipeline.$': '$.pipeline', stage: stage.name, ...extra },
      },
      ResultPath: null,
      Retry: [LAMBDA_TRANSIENT, FIRST_CALL_RUNNING],
      ...(catchTo ? { Catch: catchTo } : {}),
    };
  }

  /**
   * Actions of one runOrder, side by side. A branch never fails: it catches its action's failure
   * and ends with it at `$.failure`, so that its siblings run on to their own end, as in
   * CodePipeline. Once every branch has ended, the group goes on only if none failed; otherwise the
   * stage fails with each failed action's error.
   */
  private parallel(stage: StageDeclaration, runOrder: number, members: PlannedAction[], stageCatch: Catcher[], stageFailed: string): Fragment {
    const start = stateName([stage.name], `runOrder ${runOrder} start`);
    const name = stateName([stage.name], `runOrder ${runOrder}`);
    const outcome = stateName([stage.name], `runOrder ${runOrder} outcome`);
    const actionsFailed = stateName([stage.name], `runOrder ${runOrder} failed`);
    // Every branch ends with what the ResultSelector reads: the slots of the group, null until
    // their action writes them, and `failure`, null unless its action failed. A Pass gives the
    // branches that input: a Parallel's own Parameters are not in CloudFormation's schema.
    const branchInput: PassState = {
      Type: 'Pass',
      Parameters: {
        'pipeline.$': '$.pipeline',
        ...this.slots(members, '$', () => null),
        failure: null,
      },
      Next: name,
    };
    const parallel: ParallelState = {
      Type: 'Parallel',
      Branches: members.map((member) => this.branch(member)),
      // The result replaces the state: ResultPath left out means `$`.
      ResultSelector: {
        'pipeline.$': '$[0].pipeline',
        ...this.slots(members, '$[0]', (branch) => `$[${branch}]`),
        'failures.$': `States.Array(${members.map((_, branch) => `$[${branch}].failure`).join(', ')})`,
      },
      // What no branch catches: the group's result over the size limit.
      Catch: stageCatch,
      Next: outcome,
    };
    const choice: ChoiceState = {
      Type: 'Choice',
      Choices: members.map((_, branch) => ({ Variable: `$.failures[${branch}].action`, IsPresent: true, Next: actionsFailed })),
    };
    const failed: PassState = { Type: 'Pass', Parameters: { 'failures.$': '$.failures' }, ResultPath: '$.error', Next: stageFailed };
    return { startAt: start, states: { [start]: branchInput, [name]: parallel, [outcome]: choice, [actionsFailed]: failed }, exits: [outcome] };
  }

  /** One action as a branch of a Parallel: its failure ends the branch as `failure`, named after the action. */
  private branch(member: PlannedAction): StateMachineDefinition {
    const failure = stateName([member.stage.name, member.action.name], 'failure', member.ordinal);
    const fragment = this.action(member, catchers(failure, '$.failure'));
    for (const exit of fragment.exits) (fragment.states[exit] as TaskState).End = true;
    fragment.states[failure] = { Type: 'Pass', Parameters: { action: member.action.name, 'error.$': '$.failure' }, ResultPath: '$.failure', End: true };
    return { StartAt: fragment.startAt, States: fragment.states };
  }

  /**
   * `actions` as a template: every slot written before the group, read from the state at `earlier`,
   * and each slot of the group's members, from the state `member(branch)` names, or null. Without
   * slots in the group, all of `actions` is read from `earlier`.
   */
  private slots(members: PlannedAction[], earlier: string, member: (branch: number) => string | null): Record<string, unknown> {
    if (!members.some((entry) => entry.slot)) return { 'actions.$': `${earlier}.actions` };
    const slots: Record<string, unknown> = {};
    for (const { slot } of this.done) if (slot) slots[`${slot}.$`] = `${earlier}.actions.${slot}`;
    members.forEach(({ slot }, branch) => {
      if (!slot) return;
      const source = member(branch);
      if (source === null) slots[slot] = null;
      else slots[`${slot}.$`] = `${source}.actions.${slot}`;
    });
    return { actions: slots };
  }

  private action(entry: PlannedAction, catchTo: Catcher[]): Fragment {
    const { action, stage, ordinal } = entry;
    const integration = integrationOf(action, this.catalog);
    const timeout = action.timeoutInMinutes ?? this.catalog.get(providerKey(action.actionTypeId))?.defaultTimeoutMinutes ?? integration.defaultTimeoutMinutes;
    const { startAt, states, exits, tasks } = integration.states({
      action,
      stateName: (role) => stateName([stage.name, action.name], role, ordinal),
      functions: this.functions,
      payload: this.actionPayload(entry),
      result: this.actionResult(entry),
      ...(timeout === undefined ? {} : { timeoutSeconds: timeout * 60 }),
      ...(this.artifactKmsKeyId === undefined ? {} : { artifactKmsKeyId: this.artifactKmsKeyId }),
      catchTo,
    });
    for (const [name, step] of Object.entries(tasks)) this.tasks[name] = { step, stage: stage.name, action: action.name };
    // A retry of the stage that keeps this action's result (FAILED_ACTIONS, the action having succeeded) passes it by.
    const kept = `$.pipeline.retry.kept.${actionKey(ordinal)}`;
    const keep = stateName([stage.name, action.name], 'kept', ordinal);
    const runOrKeep = stateName([stage.name, action.name], 'run or keep', ordinal);
    const keptResult: PassState = entry.slot
      ? { Type: 'Pass', Parameters: { 'artifacts.$': `${kept}.artifacts`, 'variables.$': `${kept}.variables` }, ResultPath: `$.actions.${entry.slot}` }
      : { Type: 'Pass', ResultPath: null };
    const choice: ChoiceState = { Type: 'Choice', Choices: [{ Variable: kept, IsPresent: true, Next: keep }], Default: startAt };
    return { startAt: runOrKeep, states: { [runOrKeep]: choice, ...states, [keep]: keptResult }, exits: [...exits, keep] };
  }

  /** The action's declaration plus where to find its input artifacts and the variables it uses. */
  private actionPayload(entry: PlannedAction): Record<string, unknown> {
    const { producers, byNamespace } = this.earlierOutputs();
    const inputArtifacts = (entry.action.inputArtifacts ?? []).map(({ name }) => {
      const producer = producers.get(name)!;
      return { name, 'location.$': `$.actions.${producer.slot}.artifacts[${producer.index}]` };
    });
    const namespaces: Record<string, string> = {};
    const referenced = variableSites(entry.action).flatMap((site) => findVariableReferences(site.text));
    for (const { namespace } of referenced) {
      if (namespace === EXECUTION_NAMESPACE || namespace === PIPELINE_VARIABLES_NAMESPACE) continue;
      namespaces[`${namespace}.$`] = `$.actions.${byNamespace.get(namespace)}.variables`;
    }
    return {
      'pipeline.$': '$.pipeline',
      stage: entry.stage.name,
      action: entry.action,
      inputArtifacts,
      namespaces,
    };
  }

  private actionResult(entry: PlannedAction): Pick<TaskState, 'ResultSelector' | 'ResultPath'> {
    if (!entry.slot) return { ResultPath: null };
    return {
      ResultSelector: { 'artifacts.$': '$.Payload.artifacts', 'variables.$': '$.Payload.variables' },
      ResultPath: `$.actions.${entry.slot}`,
    };
  }
}

/** Where an action's failure goes: to `next`, with the error at `resultPath`. */
function catchers(next: string, resultPath: string): Catcher[] {
  return [
    // States.ALL leaves out States.DataLimitExceeded (a result over 256 KB), which only its own name catches.
    { ErrorEquals: ['States.DataLimitExceeded'], ResultPath: resultPath, Next: next },
    { ErrorEquals: ['States.ALL'], ResultPath: resultPath, Next: next },
  ];
}

function link(state: State, next: string | undefined): void {
  if (state.Type === 'Fail' || state.Type === 'Succeed') return;
  if (state.Type === 'Choice') {
    // A runOrder group's outcome is always followed by another group or the stage's exit.
    state.Default = next;
    return;
  }
  if (next === undefined) {
    delete state.Next;
    state.End = true;
  } else {
    delete state.End;
    state.Next = next;
  }
}

/**
 * After a stage with `onFailure.result: RETRY` failed: its failStage step answers with the retry it
 * began (the stage's one automatic retry), or null when the execution failed. A retry goes back to
 * the stage's enter step with it at `$.pipeline.retry`; otherwise the pipeline fails.
 */
function retryAfterFailure(stage: StageDeclaration, failed: State, enter: string): Record<string, State> {
  const retrying = stateName([stage.name], 'retrying');
  const retry = stateName([stage.name], 'retry');
  Object.assign(failed as TaskState, { ResultSelector: { 'retry.$': '$.Payload.retry' }, ResultPath: '$.retrying' });
  link(failed, retrying);
  return {
    [retrying]: { Type: 'Choice', Choices: [{ Variable: '$.retrying.retry.stage', IsPresent: true, Next: retry }], Default: PIPELINE_FAILED },
    [retry]: { Type: 'Pass', InputPath: '$.retrying.retry', ResultPath: '$.pipeline.retry', Next: enter },
  };
}
