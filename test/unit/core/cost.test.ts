import type { StateMachineDefinition } from '../../../lib/core/asl';
import { compilePipeline } from '../../../lib/core/compile';
import { DEFAULT_COST_ASSUMPTIONS, US_EAST_1_PRICES, countExecutionUsage, estimateCost } from '../../../lib/core/cost';
import type { ActionDeclaration, PipelineDeclaration } from '../../../lib/core/declaration';
import { STATES_PER_LOOK } from '../../../lib/core/integrations/polling';
import type { ActionCostProfile, ProviderCatalog } from '../../../lib/core/providers';
import { loadValid } from '../../support/fixtures';
import { providerCatalog } from '../../../lib/actions/registry';

const WEBAPP = 'examples/webapp.pipeline.yml';

function webapp() {
  const pipeline = loadValid(WEBAPP);
  return { pipeline, compiled: compilePipeline(pipeline, providerCatalog) };
}

/** The registry's catalog with one provider's cost profile replaced. */
function withCost(key: string, cost: ActionCostProfile): ProviderCatalog {
  return new Map([...providerCatalog].map(([name, spec]) => [name, name === key ? { ...spec, cost } : spec]));
}

/** The example with a last stage that deploys a CloudFormation stack from the source. */
function webappWithStack() {
  const pipeline: PipelineDeclaration = structuredClone(loadValid(WEBAPP));
  const stack: ActionDeclaration = {
    name: 'Stack',
    actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'CloudFormation', version: '1' },
    configuration: { ActionMode: 'CREATE_UPDATE', StackName: 'webapp', TemplatePath: 'SourceOutput::template.yml' },
    inputArtifacts: [{ name: 'SourceOutput' }],
  };
  pipeline.stages.push({ name: 'Infrastructure', actions: [stack] });
  return { pipeline, compiled: compilePipeline(pipeline, providerCatalog) };
}

/** The states one pass of the loop from `start` enters before it is back at `start`. */
function loopFrom(definition: StateMachineDefinition, start: string): string[] {
  const entered: string[] = [];
  let name = start;
  do {
    entered.push(name);
    const state = definition.States[name]!;
    if (state.Type === 'Choice') name = state.Choices[0]!.Next;
    else if ((state.Type === 'Task' || state.Type === 'Wait' || state.Type === 'Pass') && state.Next) name = state.Next;
    else throw new Error(`${name} does not lead back to ${start}`);
  } while (name !== start);
  return entered;
}

/**
 * The example by hand. Stages Source, Build, Test, Deploy; actions Checkout (Git, in the runner),
 * BuildSite (CodeBuild), UnitTests (CodeBuild) and SiteCheck (Commands, a build too) in parallel,
 * Website (S3 deploy, in the runner).
 */
describe('countExecutionUsage on the example', () => {
  const { pipeline, compiled } = webapp();
  const usage = countExecutionUsage(pipeline, compiled, providerCatalog, DEFAULT_COST_ASSUMPTIONS);

  it('counts one transition for each state entered', () => {
    // The Choice that enters at the first stage, or the one a retry or rollback names 1
    // Source: enter, Checkout, exit                                          3
    // Build: enter, BuildSite prepare, build, complete, exit                 5
    // Test: enter, the Parallel, UnitTests prepare, build, complete,
    //       SiteCheck prepare, build, complete, the Choice on the group's
    //       outcome, exit                                                   10
    // Deploy: enter, Website, exit                                           3
    // Each of the 5 actions: the Choice that runs it or keeps a retry's result 5
    // Build and Test: the Choice after the exit that ends a rollback there   2
    expect(usage.stateTransitions).toBe(30);
  });

  it('counts the Lambda invocations of each role', () => {
    expect(Object.fromEntries(Object.entries(usage.lambda).map(([role, { invocations }]) => [role, invocations]))).toEqual({
      start: 1,
      // Enter and exit of 4 stages.
      stageStep: 8,
      // Checkout, Website, and prepare and complete around each of the 3 builds.
      actionRunner: 8,
      approvalRequest: 0,
      approvalDecision: 0,
      // One per event, below.
      eventRecorder: 20,
    });
  });

  it('counts GB-seconds from memory and duration', () => {
    // start and stage steps: 9 x 1 GB x 0.3 s = 2.7
    // action runner at 2 GB: (Checkout 5 s + Website 5 s + 6 x 0.3 s) x 2 = 23.6
    // event recorder: 20 x 1 GB x 0.1 s = 2
    expect(usage.lambda.start.gbSeconds + usage.lambda.stageStep.gbSeconds).toBeCloseTo(2.7);
    expect(usage.lambda.actionRunner.gbSeconds).toBeCloseTo(23.6);
    expect(usage.lambda.eventRecorder.gbSeconds).toBeCloseTo(2);
  });

  it('counts one event for each status change', () => {
    // The pipeline's start and end, each stage's start and end, each action's start and end: 2 + 8 + 10.
    expect(usage.eventBridgeEvents).toBe(20);
  });

  it('counts DynamoDB write and read units', () => {
    // The execution item, with its index entry, at the start and at the end:   2 + 2
    // putStage at each stage's enter and exit:                                   8
    // each stage's line: a ticket, a place, the lock, the place left, the lock let go: 20
    // putAction at each action's start and end:                                 10
    // each of the 20 events recorded: its id item and the event item           40
    // idempotency records, 2 for each of the 16 Task invocations:               32
    expect(usage.dynamoDbWriteUnits).toBe(114);
    // Each stage exit reads the stages back, each enter reads the pipeline and the execution twice:
    // 16 reads at half a unit. Each enter and exit reads the stage's line, and each of the 20
    // events reads its log's last place, consistently: a whole unit.
    expect(usage.dynamoDbReadUnits).toBe(8 + 8 + 20);
  });

  it('counts S3 requests for artifacts and logs', () => {
    // PUT: SourceOutput and SiteOutput, the logs of the 2 runner actions, and CodeBuild's S3 logs of the 3 builds.
    expect(usage.s3PutRequests).toBe(7);
    // GET: SourceOutput by BuildSite and UnitTests, SiteOutput by SiteCheck and Website.
    expect(usage.s3GetRequests).toBe(4);
  });
});

describe('estimateCost', () => {
  const { pipeline, compiled } = webapp();

  it('scales every line and the total linearly with the executions', () => {
    const one = estimateCost(pipeline, compiled, { executions: 1, catalog: providerCatalog });
    const many = estimateCost(pipeline, compiled, { executions: 1000, catalog: providerCatalog });
    expect(one.forExecutions).toEqual(one.perExecution);
    many.forExecutions.lineItems.forEach((line, index) => {
      expect(line.quantity).toBeCloseTo(one.perExecution.lineItems[index]!.quantity * 1000);
      expect(line.usd).toBeCloseTo(one.perExecution.lineItems[index]!.usd * 1000, 10);
    });
    expect(many.forExecutions.usd).toBeCloseTo(many.perExecution.usd * 1000, 10);
    expect(many.codePipeline.v2.usd).toBeCloseTo(one.codePipeline.v2.usd * 1000, 10);
  });

  it('prices each line at its list price', () => {
    const transitions = estimateCost(pipeline, compiled, { executions: 1000, catalog: providerCatalog }).forExecutions.lineItems[0]!;
    expect(transitions).toMatchObject({ item: 'Step Functions state transitions', quantity: 30_000, price: US_EAST_1_PRICES.stateTransitions });
    expect(transitions.usd).toBeCloseTo(0.75);
  });

  it('bills CodePipeline V2 for every action but manual approvals and custom action types, V1 a flat dollar', () => {
    const estimate = estimateCost(pipeline, compiled, { executions: 1000, catalog: providerCatalog });
    expect(estimate.codePipeline.v2.notBilled).toEqual([{ action: 'Source/Checkout', reason: 'custom action type' }]);
    expect(estimate.codePipeline.v2.billedActions).toEqual(['Build/BuildSite', 'Test/UnitTests', 'Test/SiteCheck', 'Deploy/Website']);
    // 4 actions x 1 minute x $0.002 x 1,000 executions.
    expect(estimate.codePipeline.v2.usd).toBeCloseTo(8);
    expect(estimate.codePipeline.v1.usd).toBe(1);
  });

  it("rounds CodePipeline action minutes up, takes overridden assumptions, and runner durations from the providers' profiles", () => {
    const estimate = estimateCost(pipeline, compiled, {
      executions: 1,
      catalog: withCost('Deploy/AWS/S3', { pricedAs: 'runner', runnerMs: 60_000 }),
      assumptions: { codePipelineActionMinutes: 2.5, memoryMb: { actionRunner: 1024 } },
    });
    expect(estimate.codePipeline.v2.actionMinutesPerExecution).toBe(12);
    expect(estimate.usage.actionRunner['Deploy/Website']).toEqual({ pricedAs: 'runner', runnerMs: 60_000 });
    // 1 GB x (5 + 60 + 6 x 0.3) s: Checkout, Website, and the prepare and complete steps of three builds.
    expect(estimate.usage.lambda.actionRunner.gbSeconds).toBeCloseTo(66.8);
    expect(estimate.assumptions.memoryMb.stageStep).toBe(1024);
  });

  it('refuses to price an action in the action runner whose provider says it is priced otherwise', () => {
    expect(() => countExecutionUsage(pipeline, compiled, withCost('Deploy/AWS/S3', { pricedAs: 'build' }), DEFAULT_COST_ASSUMPTIONS)).toThrow(
      "Website runs in the action runner, and its provider's cost profile prices it as build.",
    );
  });

  it('counts a Manual approval: its request, its decision through the HTTP function, and no CodePipeline charge', () => {
    const gated: PipelineDeclaration = structuredClone(pipeline);
    gated.stages.splice(3, 0, {
      name: 'Gate',
      actions: [{ name: 'Review', actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' } }],
    });
    const plain = countExecutionUsage(pipeline, compiled, providerCatalog, DEFAULT_COST_ASSUMPTIONS);
    const usage = countExecutionUsage(gated, compilePipeline(gated, providerCatalog), providerCatalog, DEFAULT_COST_ASSUMPTIONS);
    // enter, the Choice that runs it or keeps a retry's result, the waiting Task, exit, the Choice that ends a rollback there
    expect(usage.stateTransitions - plain.stateTransitions).toBe(5);
    expect(usage.lambda.approvalRequest.invocations).toBe(1);
    expect(usage.lambda.approvalDecision.invocations).toBe(2);
    // 2 stage events and 2 action events
    expect(usage.eventBridgeEvents - plain.eventBridgeEvents).toBe(4);
    // putStage x 2, approval created and decided, putAction x 2, 4 events of 2 items, idempotency for 3 Task invocations, the stage's line
    expect(usage.dynamoDbWriteUnits - plain.dynamoDbWriteUnits).toBe(2 + 2 + 2 + 8 + 6 + 5);
    // the enter's reads of the pipeline and of the execution twice, the exit's read of the stages,
    // and the decision's 5 reads, at half a unit; the line read twice and 4 events' consistent reads
    expect(usage.dynamoDbReadUnits - plain.dynamoDbReadUnits).toBe(4.5 + 2 + 4);
    expect(estimateCost(gated, compilePipeline(gated, providerCatalog), { executions: 1, catalog: providerCatalog }).codePipeline.v2.notBilled).toContainEqual({
      action: 'Gate/Review',
      reason: 'manual approval',
    });
  });
});

describe('a polling action', () => {
  const { pipeline, compiled } = webappWithStack();
  const profile = providerCatalog.get('Deploy/AWS/CloudFormation')!.cost;
  if (profile.pricedAs !== 'polling') throw new Error('CloudFormation is priced as polling');
  const noLooks = withCost('Deploy/AWS/CloudFormation', { ...profile, looks: 0 });
  const started = countExecutionUsage(pipeline, compiled, noLooks, DEFAULT_COST_ASSUMPTIONS);
  const usage = countExecutionUsage(pipeline, compiled, providerCatalog, DEFAULT_COST_ASSUMPTIONS);
  const plain = countExecutionUsage(webapp().pipeline, webapp().compiled, providerCatalog, DEFAULT_COST_ASSUMPTIONS);

  it("looks as often as its provider's typical time takes on the polling schedule", () => {
    // Waits of 1, 2 and 5 s, then 18 of 10 s: 188 s, the first total of at least 3 minutes.
    expect(profile).toEqual({ pricedAs: 'polling', runnerMs: 3000, lookMs: 500, looks: 21, typicalMinutes: 3 });
  });

  it('assumes each polling provider its typical time, in looks on the polling schedule', () => {
    const looks = (key: string) => {
      const cost = providerCatalog.get(key)!.cost;
      return cost.pricedAs === 'polling' && [cost.typicalMinutes, cost.looks];
    };
    expect(looks('Deploy/AWS/CodeDeploy')).toEqual([5, 33]);
    expect(looks('Deploy/AWS/ECS')).toEqual([5, 33]);
    expect(looks('Invoke/AWS/StepFunctions')).toEqual([1, 9]);
  });

  it('enters the states of one look as often as it looks', () => {
    const wait = Object.keys(compiled.definition.States).find((name) => compiled.definition.States[name]!.Type === 'Wait')!;
    expect(loopFrom(compiled.definition, wait)).toHaveLength(STATES_PER_LOOK);
    expect(usage.stateTransitions - started.stateTransitions).toBe(21 * STATES_PER_LOOK);
  });

  it('runs the action runner once to start the work and once a look, not for the whole wait', () => {
    expect(started.lambda.actionRunner.invocations - plain.lambda.actionRunner.invocations).toBe(1);
    expect(usage.lambda.actionRunner.invocations - started.lambda.actionRunner.invocations).toBe(21);
    // At 2 GB: 3 s to start, then 21 looks of 0.5 s.
    expect(started.lambda.actionRunner.gbSeconds - plain.lambda.actionRunner.gbSeconds).toBeCloseTo(6);
    expect(usage.lambda.actionRunner.gbSeconds - started.lambda.actionRunner.gbSeconds).toBeCloseTo(21);
    expect(usage.actionRunner['Infrastructure/Stack']).toEqual(profile);
  });

  it("reads and stores the action's log at each look, with the idempotency records of each run", () => {
    expect(usage.s3GetRequests - started.s3GetRequests).toBe(21);
    expect(usage.s3PutRequests - started.s3PutRequests).toBe(21);
    expect(usage.dynamoDbWriteUnits - started.dynamoDbWriteUnits).toBe(21 * 2);
    expect(usage.eventBridgeEvents).toBe(started.eventBridgeEvents);
  });

  it('is billed by CodePipeline V2 for its typical minutes', () => {
    const estimate = estimateCost(pipeline, compiled, { executions: 1, catalog: providerCatalog });
    // The 4 billed actions of the example at 1 minute, and the stack's 3.
    expect(estimate.codePipeline.v2.actionMinutesPerExecution).toBe(4 + 3);
  });
});
