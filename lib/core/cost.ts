import type { State, StateMachineDefinition } from './asl';
import type { CompiledPipeline, TaskStep } from './compile';
import type { ActionDeclaration, PipelineDeclaration } from './declaration';
import { providerKey } from './declaration-fields';
import { STATES_PER_LOOK } from './integrations/polling';
import type { ActionCostProfile, ProviderCatalog } from './providers';

/**
 * The AWS cost of running a pipeline on Sluice, counted from its compiled definition, from what
 * each step writes, reads and announces (lib/execution), and from each provider's cost profile
 * (ProviderSpec.cost), beside CodePipeline's price for the same pipeline. Free tiers are left out
 * on both sides, so the figures are what usage beyond them costs.
 */

/** A list price: `usd` for every `per` units. */
export interface UnitPrice {
  usd: number;
  per: number;
  unit: string;
}

/**
 * us-east-1 list prices. Each comes from the page in its comment; "as published in 2025" marks a
 * value that the page itself did not show when it was checked, kept as it is commonly published.
 */
export const US_EAST_1_PRICES = {
  // https://aws.amazon.com/step-functions/pricing/ : Standard workflows, $0.0250 per 1,000 state transitions.
  stateTransitions: { usd: 0.025, per: 1000, unit: 'state transitions' },
  // https://aws.amazon.com/lambda/pricing/ : $0.20 per 1M requests, x86 and Arm alike.
  lambdaRequests: { usd: 0.2, per: 1_000_000, unit: 'requests' },
  // https://aws.amazon.com/lambda/pricing/ : Arm, first 7.5 billion GB-seconds a month; as published in 2025.
  lambdaArmGbSeconds: { usd: 0.0000133334, per: 1, unit: 'GB-second' },
  // https://aws.amazon.com/dynamodb/pricing/on-demand/ : on-demand since the November 2024 cut; as published in 2025.
  dynamoDbWriteUnits: { usd: 0.625, per: 1_000_000, unit: 'write request units' },
  dynamoDbReadUnits: { usd: 0.125, per: 1_000_000, unit: 'read request units' },
  // https://aws.amazon.com/s3/pricing/ : S3 Standard, PUT/COPY/POST/LIST and GET/SELECT; as published in 2025.
  s3PutRequests: { usd: 0.005, per: 1000, unit: 'PUT requests' },
  s3GetRequests: { usd: 0.0004, per: 1000, unit: 'GET requests' },
  // https://aws.amazon.com/eventbridge/pricing/ : custom events, each 64 KB chunk one event; as published in 2025.
  eventBridgeCustomEvents: { usd: 1, per: 1_000_000, unit: 'custom events' },
  // https://aws.amazon.com/codepipeline/pricing/ : V2, each action's duration rounded up to the minute;
  // manual approvals and custom action types are not charged.
  codePipelineV2ActionMinutes: { usd: 0.002, per: 1, unit: 'action minute' },
  // https://aws.amazon.com/codepipeline/pricing/ : V1, per pipeline with at least one change in the month (free for its first 30 days).
  codePipelineV1ActivePipelineMonths: { usd: 1, per: 1, unit: 'active pipeline a month' },
} as const satisfies Record<string, UnitPrice>;

export type Prices = Record<keyof typeof US_EAST_1_PRICES, UnitPrice>;

/** The Lambda work of an execution, by what it does. */
export const LAMBDA_ROLES = ['start', 'stageStep', 'actionRunner', 'approvalRequest', 'approvalDecision', 'eventRecorder'] as const;
export type LambdaRole = (typeof LAMBDA_ROLES)[number];

/** What an estimate cannot know from the declaration. Every Lambda function runs on arm64. */
export interface CostAssumptions {
  /** Memory of the function doing each role. */
  memoryMb: Record<LambdaRole, number>;
  /**
   * Billed duration of a step that only records and announces: execution start, stage enter and
   * exit, CodeBuild's prepare and complete, approval request and decision.
   */
  recordingStepMs: number;
  /** Billed duration of the event recorder, which logs one event. */
  eventRecorderMs: number;
  /**
   * How long each action runs under CodePipeline V2, at least; it bills each action rounded up to
   * the minute. A polling action runs for its provider's typical minutes where they are longer.
   */
  codePipelineActionMinutes: number;
}

export const DEFAULT_COST_ASSUMPTIONS: CostAssumptions = {
  // As serverless.yml sizes them: 1024 MB for every function but the action runner.
  memoryMb: { start: 1024, stageStep: 1024, actionRunner: 2048, approvalRequest: 1024, approvalDecision: 1024, eventRecorder: 1024 },
  recordingStepMs: 300,
  eventRecorderMs: 100,
  codePipelineActionMinutes: 1,
};

export interface CostAssumptionOverrides extends Partial<Omit<CostAssumptions, 'memoryMb'>> {
  memoryMb?: Partial<Record<LambdaRole, number>>;
}

/** What the action runner does for an action it runs itself: one run, or a run and the looks after it. */
export type ActionRunnerWork = Extract<ActionCostProfile, { pricedAs: 'runner' | 'polling' }>;

/**
 * Items are assumed to be at most 1 KB, so each item write (PutItem, UpdateItem) is one write
 * request unit. Writing the execution item writes its `byPipeline` index entry as well, which
 * DynamoDB bills as a second write.
 */
const EXECUTION_ITEM_WRITE_UNITS = 2;
/** Recording one event: the id item and the event item, written; the last place, read consistently (a whole unit). */
const EVENT_LOG_WRITES = 2;
const EVENT_LOG_READ_UNITS = 1;
/** Each GetItem or Query page is eventually consistent and assumed to return at most 4 KB: half a unit. */
const READ_UNITS_PER_READ = 0.5;
/** Powertools idempotency around every Task function: the in-progress record, then the completed one. */
const IDEMPOTENCY_WRITES_PER_TASK = 2;
/** A Manual approval's decision: the confirmation page's GET, then its POST, each one call of the HTTP function. */
const APPROVAL_DECISION_INVOCATIONS = 2;
/** The page reads the approval and the actions; the POST reads the approval, then the actions twice. */
const APPROVAL_DECISION_READS = 5;

/** What a step records and announces, as its code in lib/execution does on success. */
interface StepRecords {
  /** putStage, putAction, createApproval, decide: one item each. */
  itemWrites: number;
  /** listStages, listActions, getApproval. */
  reads: number;
  /** Strongly consistent reads, a whole unit each: a stage's line. */
  consistentReads?: number;
  /** Status changes published, each one EventBridge event. */
  events: number;
}

/** The steps that only a failure reaches: a stage's failure condition, and the failure steps of stages and builds. */
const FAILURE_STEPS = ['failStage', 'failBuild', 'checkOnFailure'] as const;
const isFailureStep = (step: TaskStep): step is (typeof FAILURE_STEPS)[number] => (FAILURE_STEPS as readonly TaskStep[]).includes(step);

/** Every step a successful execution runs. */
const STEP_RECORDS: Record<Exclude<TaskStep, (typeof FAILURE_STEPS)[number]>, StepRecords> = {
  // Takes a ticket and joins the stage's line, takes the lock and leaves the line, records the
  // stage; reads the pipeline's current version, the line, and the execution before it joins and
  // again as it is admitted. Uncontended: an execution that waits adds the reads and writes of the
  // admission that lets it in.
  enterStage: { itemWrites: 5, reads: 3, consistentReads: 1, events: 1 },
  // Reads the stage back for its start time; lets go of the lock and reads the line.
  exitStage: { itemWrites: 2, reads: 1, consistentReads: 1, events: 1 },
  runAction: { itemWrites: 2, reads: 0, events: 2 },
  // A condition of one rule: the condition's start, the rule's start and end, the condition's end;
  // each further rule adds two writes. The look for an override reads once a second while it runs.
  checkBeforeEntry: { itemWrites: 4, reads: 0, events: 0 },
  checkOnSuccess: { itemWrites: 4, reads: 0, events: 0 },
  prepareBuild: { itemWrites: 1, reads: 0, events: 1 },
  startBuild: { itemWrites: 0, reads: 0, events: 0 },
  completeBuild: { itemWrites: 1, reads: 0, events: 1 },
  // The approval and the InProgress action; the decision, outside the state machine, adds the rest.
  requestApproval: { itemWrites: 2, reads: 0, events: 1 },
  // The job and the InProgress action; the worker's calls, outside the state machine, add the rest.
  queueJob: { itemWrites: 2, reads: 0, events: 1 },
};
const APPROVAL_DECISION_RECORDS: StepRecords = { itemWrites: 2, reads: APPROVAL_DECISION_READS, events: 1 };
/** startExecution: the execution item and the pipeline's STARTED event. */
const EXECUTION_START_RECORDS: StepRecords = { itemWrites: EXECUTION_ITEM_WRITE_UNITS, reads: 0, events: 1 };
/** The last stage's exit also finishes the execution item and announces the end. */
const EXECUTION_END_RECORDS: StepRecords = { itemWrites: EXECUTION_ITEM_WRITE_UNITS, reads: 0, events: 1 };

export interface LambdaUsage {
  invocations: number;
  gbSeconds: number;
}

/** What one successful execution uses. */
export interface ExecutionUsage {
  stateTransitions: number;
  lambda: Record<LambdaRole, LambdaUsage>;
  dynamoDbWriteUnits: number;
  dynamoDbReadUnits: number;
  s3PutRequests: number;
  s3GetRequests: number;
  eventBridgeEvents: number;
  /** What the action runner does for each action it runs itself, by `Stage/Action`, from its provider's cost profile. */
  actionRunner: Record<string, ActionRunnerWork>;
}

export interface LineItem {
  item: string;
  quantity: number;
  price: UnitPrice;
  usd: number;
}

export interface CodePipelineComparison {
  v2: {
    billedActions: string[];
    notBilled: { action: string; reason: string }[];
    actionMinutesPerExecution: number;
    perExecutionUsd: number;
    usd: number;
  };
  /** One active pipeline for the month, whatever the number of executions. */
  v1: { usd: number };
}

export interface CostEstimate {
  pipeline: string;
  executions: number;
  usage: ExecutionUsage;
  perExecution: { lineItems: LineItem[]; usd: number };
  forExecutions: { lineItems: LineItem[]; usd: number };
  codePipeline: CodePipelineComparison;
  assumptions: CostAssumptions;
}

export interface EstimateOptions {
  /** Executions in the period compared, such as a month. */
  executions: number;
  /** The providers the pipeline was compiled with, whose cost profiles price its actions. */
  catalog: ProviderCatalog;
  assumptions?: CostAssumptionOverrides;
  prices?: Prices;
}

/**
 * Estimates the cost of `executions` successful executions of a pipeline, and of the same
 * pipeline on CodePipeline V2 and V1.
 *
 * @example
 * const estimate = estimateCost(pipeline, compilePipeline(pipeline, providerCatalog), { executions: 1000, catalog: providerCatalog });
 * estimate.forExecutions.usd; // Sluice
 * estimate.codePipeline.v2.usd;
 */
export function estimateCost(pipeline: PipelineDeclaration, compiled: CompiledPipeline, options: EstimateOptions): CostEstimate {
  const assumptions = withDefaults(options.assumptions);
  const prices = options.prices ?? US_EAST_1_PRICES;
  const usage = countExecutionUsage(pipeline, compiled, options.catalog, assumptions);
  const perExecution = lineItems(usage, prices, 1);
  const forExecutions = lineItems(usage, prices, options.executions);
  return {
    pipeline: pipeline.name,
    executions: options.executions,
    usage,
    perExecution: { lineItems: perExecution, usd: sum(perExecution.map((line) => line.usd)) },
    forExecutions: { lineItems: forExecutions, usd: sum(forExecutions.map((line) => line.usd)) },
    codePipeline: compareWithCodePipeline(pipeline, options.catalog, assumptions, prices, options.executions),
    assumptions,
  };
}

function withDefaults(overrides: CostAssumptionOverrides = {}): CostAssumptions {
  return {
    ...DEFAULT_COST_ASSUMPTIONS,
    ...overrides,
    memoryMb: { ...DEFAULT_COST_ASSUMPTIONS.memoryMb, ...overrides.memoryMb },
  };
}

/**
 * Walks the success path of the compiled definition and counts what each state it enters uses; a
 * polling action's looks loop back over states of that path, each look entering them again.
 */
export function countExecutionUsage(
  pipeline: PipelineDeclaration,
  compiled: CompiledPipeline,
  catalog: ProviderCatalog,
  assumptions: CostAssumptions,
): ExecutionUsage {
  const path = successPath(compiled.definition);
  let stateTransitions = path.length;
  const lambda = Object.fromEntries(LAMBDA_ROLES.map((role) => [role, { invocations: 0, gbSeconds: 0 }])) as Record<LambdaRole, LambdaUsage>;
  const invoke = (role: LambdaRole, milliseconds: number, times = 1) => {
    lambda[role].invocations += times;
    lambda[role].gbSeconds += times * (assumptions.memoryMb[role] / 1024) * (milliseconds / 1000);
  };
  let itemWrites = 0;
  let reads = 0;
  let consistentReads = 0;
  let events = 0;
  let s3Puts = 0;
  let s3Gets = 0;
  const actionRunner: Record<string, ActionRunnerWork> = {};
  const record = (records: StepRecords) => {
    itemWrites += records.itemWrites;
    reads += records.reads;
    consistentReads += records.consistentReads ?? 0;
    events += records.events;
  };

  invoke('start', assumptions.recordingStepMs);
  record(EXECUTION_START_RECORDS);
  const lastStage = pipeline.stages.at(-1)!.name;
  for (const name of path) {
    const binding = compiled.tasks[name];
    // A Parallel state: a transition, and nothing else.
    if (!binding) continue;
    if (isFailureStep(binding.step)) throw new Error(`The success path reaches the failure step ${name}.`);
    record(STEP_RECORDS[binding.step]);
    const action = binding.action === undefined ? undefined : findAction(pipeline, binding.stage, binding.action);
    const inputs = action?.inputArtifacts?.length ?? 0;
    const outputs = action?.outputArtifacts?.length ?? 0;
    switch (binding.step) {
      case 'enterStage':
        invoke('stageStep', assumptions.recordingStepMs);
        break;
      case 'exitStage':
        invoke('stageStep', assumptions.recordingStepMs);
        if (binding.stage === lastStage) record(EXECUTION_END_RECORDS);
        break;
      case 'runAction': {
        const work = runnerWork(catalog, action!);
        actionRunner[`${binding.stage}/${binding.action}`] = work;
        invoke('actionRunner', work.runnerMs);
        // Input artifacts fetched, output artifacts stored, and the action's log stored.
        s3Gets += inputs;
        s3Puts += outputs + 1;
        if (work.pricedAs === 'polling') {
          // Each look: its Wait, the runner's Task and the Choice on its answer; the runner reads
          // the action's log back and stores it again.
          stateTransitions += work.looks * STATES_PER_LOOK;
          invoke('actionRunner', work.lookMs, work.looks);
          s3Gets += work.looks;
          s3Puts += work.looks;
        }
        break;
      }
      case 'prepareBuild':
      case 'completeBuild':
        invoke('actionRunner', assumptions.recordingStepMs);
        break;
      case 'startBuild':
        // CodeBuild itself downloads each input artifact as a source, and uploads each output and its log.
        s3Gets += inputs;
        s3Puts += outputs + 1;
        break;
      case 'requestApproval':
        invoke('approvalRequest', assumptions.recordingStepMs);
        invoke('approvalDecision', assumptions.recordingStepMs, APPROVAL_DECISION_INVOCATIONS);
        record(APPROVAL_DECISION_RECORDS);
        break;
      case 'queueJob':
        // The job's request; the worker's calls (poll, acknowledge, result) reach the HTTP API, outside the state machine.
        invoke('approvalRequest', assumptions.recordingStepMs);
        break;
    }
  }
  // Every event reaches the event recorder, which appends it to its execution's log: a Query for
  // the last place, then the event's id item and the event in the next place (no contention).
  invoke('eventRecorder', assumptions.eventRecorderMs, events);
  itemWrites += events * EVENT_LOG_WRITES;
  const taskInvocations = lambda.stageStep.invocations + lambda.actionRunner.invocations + lambda.approvalRequest.invocations;
  itemWrites += taskInvocations * IDEMPOTENCY_WRITES_PER_TASK;

  return {
    stateTransitions,
    lambda,
    dynamoDbWriteUnits: itemWrites,
    dynamoDbReadUnits: reads * READ_UNITS_PER_READ + consistentReads + events * EVENT_LOG_READ_UNITS,
    s3PutRequests: s3Puts,
    s3GetRequests: s3Gets,
    eventBridgeEvents: events,
    actionRunner,
  };
}

function costProfile(catalog: ProviderCatalog, action: ActionDeclaration): ActionCostProfile {
  const key = providerKey(action.actionTypeId);
  const spec = catalog.get(key);
  if (!spec) throw new Error(`${action.name}'s provider ${key} is not in the catalog the pipeline is priced with.`);
  return spec.cost;
}

/** The cost profile of an action that the compiled definition runs in the action runner. */
function runnerWork(catalog: ProviderCatalog, action: ActionDeclaration): ActionRunnerWork {
  const profile = costProfile(catalog, action);
  if (profile.pricedAs !== 'runner' && profile.pricedAs !== 'polling')
    throw new Error(`${action.name} runs in the action runner, and its provider's cost profile prices it as ${profile.pricedAs}.`);
  return profile;
}

/**
 * The states a successful execution enters, in order: Step Functions bills a transition for each
 * (and for each retry, which a successful path is assumed not to need). A Parallel state is
 * entered once, then every state of each of its branches, then the Choice on its outcome.
 */
export function successPath(definition: StateMachineDefinition): string[] {
  const entered: string[] = [];
  let name: string | undefined = definition.StartAt;
  while (name !== undefined) {
    const state: State | undefined = definition.States[name];
    if (!state || state.Type === 'Fail') throw new Error(`The success path reaches ${name}, which is ${state ? 'a Fail state' : 'not defined'}.`);
    entered.push(name);
    if (state.Type === 'Parallel') for (const branch of state.Branches) entered.push(...successPath(branch));
    // A Choice's Default is the way on when nothing failed.
    name = state.Type === 'Choice' ? state.Default : state.End ? undefined : state.Next;
  }
  return entered;
}

function findAction(pipeline: PipelineDeclaration, stageName: string, actionName: string): ActionDeclaration {
  const action = pipeline.stages.find((stage) => stage.name === stageName)?.actions.find((entry) => entry.name === actionName);
  if (!action) throw new Error(`The compiled definition names ${stageName}/${actionName}, which the declaration does not have.`);
  return action;
}

function lineItems(usage: ExecutionUsage, prices: Prices, executions: number): LineItem[] {
  const lambdaTotals = Object.values(usage.lambda);
  const line = (item: string, perExecution: number, price: UnitPrice): LineItem => {
    const quantity = perExecution * executions;
    return { item, quantity, price, usd: (quantity * price.usd) / price.per };
  };
  return [
    line('Step Functions state transitions', usage.stateTransitions, prices.stateTransitions),
    line('Lambda requests', sum(lambdaTotals.map((entry) => entry.invocations)), prices.lambdaRequests),
    line('Lambda duration (arm64)', sum(lambdaTotals.map((entry) => entry.gbSeconds)), prices.lambdaArmGbSeconds),
    line('DynamoDB writes', usage.dynamoDbWriteUnits, prices.dynamoDbWriteUnits),
    line('DynamoDB reads', usage.dynamoDbReadUnits, prices.dynamoDbReadUnits),
    line('S3 PUT requests', usage.s3PutRequests, prices.s3PutRequests),
    line('S3 GET requests', usage.s3GetRequests, prices.s3GetRequests),
    line('EventBridge custom events', usage.eventBridgeEvents, prices.eventBridgeCustomEvents),
  ];
}

function compareWithCodePipeline(
  pipeline: PipelineDeclaration,
  catalog: ProviderCatalog,
  assumptions: CostAssumptions,
  prices: Prices,
  executions: number,
): CodePipelineComparison {
  const billedActions: string[] = [];
  const notBilled: { action: string; reason: string }[] = [];
  let actionMinutesPerExecution = 0;
  for (const stage of pipeline.stages) {
    for (const action of stage.actions) {
      const name = `${stage.name}/${action.name}`;
      if (providerKey(action.actionTypeId) === 'Approval/AWS/Manual') notBilled.push({ action: name, reason: 'manual approval' });
      else if (action.actionTypeId.owner === 'Custom') notBilled.push({ action: name, reason: 'custom action type' });
      else {
        billedActions.push(name);
        const profile = costProfile(catalog, action);
        const typicalMinutes = profile.pricedAs === 'polling' ? profile.typicalMinutes : 0;
        actionMinutesPerExecution += Math.ceil(Math.max(assumptions.codePipelineActionMinutes, typicalMinutes));
      }
    }
  }
  const perMinute = prices.codePipelineV2ActionMinutes;
  const perExecutionUsd = (actionMinutesPerExecution * perMinute.usd) / perMinute.per;
  const perMonth = prices.codePipelineV1ActivePipelineMonths;
  return {
    v2: { billedActions, notBilled, actionMinutesPerExecution, perExecutionUsd, usd: perExecutionUsd * executions },
    v1: { usd: executions > 0 ? perMonth.usd / perMonth.per : 0 },
  };
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
