import { compilePipeline } from '../../../lib/core/compile';
import { DEFAULT_COST_ASSUMPTIONS, US_EAST_1_PRICES, countExecutionUsage, estimateCost } from '../../../lib/core/cost';
import type { PipelineDeclaration } from '../../../lib/core/declaration';
import { loadValid } from '../../support/fixtures';
import { providerCatalog } from '../../../lib/actions/registry';

const WEBAPP = 'examples/webapp.pipeline.yml';

function webapp() {
  const pipeline = loadValid(WEBAPP);
  return { pipeline, compiled: compilePipeline(pipeline, providerCatalog) };
}

/**
 * The example by hand. Stages Source, Build, Test, Deploy; actions Checkout (Git, in the runner),
 * BuildSite (CodeBuild), UnitTests (CodeBuild) and SiteCheck (Commands, a build too) in parallel,
 * Website (S3 deploy, in the runner).
 */
describe('countExecutionUsage on the example', () => {
  const { pipeline, compiled } = webapp();
  const usage = countExecutionUsage(pipeline, compiled, DEFAULT_COST_ASSUMPTIONS);

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
    const one = estimateCost(pipeline, compiled, { executions: 1 });
    const many = estimateCost(pipeline, compiled, { executions: 1000 });
    expect(one.forExecutions).toEqual(one.perExecution);
    many.forExecutions.lineItems.forEach((line, index) => {
      expect(line.quantity).toBeCloseTo(one.perExecution.lineItems[index]!.quantity * 1000);
      expect(line.usd).toBeCloseTo(one.perExecution.lineItems[index]!.usd * 1000, 10);
    });
    expect(many.forExecutions.usd).toBeCloseTo(many.perExecution.usd * 1000, 10);
    expect(many.codePipeline.v2.usd).toBeCloseTo(one.codePipeline.v2.usd * 1000, 10);
  });

  it('prices each line at its list price', () => {
    const transitions = estimateCost(pipeline, compiled, { executions: 1000 }).forExecutions.lineItems[0]!;
    expect(transitions).toMatchObject({ item: 'Step Functions state transitions', quantity: 30_000, price: US_EAST_1_PRICES.stateTransitions });
    expect(transitions.usd).toBeCloseTo(0.75);
  });

  it('bills CodePipeline V2 for every action but manual approvals and custom action types, V1 a flat dollar', () => {
    const estimate = estimateCost(pipeline, compiled, { executions: 1000 });
    expect(estimate.codePipeline.v2.notBilled).toEqual([{ action: 'Source/Checkout', reason: 'custom action type' }]);
    expect(estimate.codePipeline.v2.billedActions).toEqual(['Build/BuildSite', 'Test/UnitTests', 'Test/SiteCheck', 'Deploy/Website']);
    // 4 actions x 1 minute x $0.002 x 1,000 executions.
    expect(estimate.codePipeline.v2.usd).toBeCloseTo(8);
    expect(estimate.codePipeline.v1.usd).toBe(1);
  });

  it('rounds CodePipeline action minutes up, and takes overridden assumptions', () => {
    const estimate = estimateCost(pipeline, compiled, {
      executions: 1,
      assumptions: { codePipelineActionMinutes: 2.5, memoryMb: { actionRunner: 1024 }, actionMs: { 'Deploy/AWS/S3': 60_000 } },
    });
    expect(estimate.codePipeline.v2.actionMinutesPerExecution).toBe(12);
    expect(estimate.usage.actionRunnerMs['Deploy/Website']).toBe(60_000);
    // A Commands action is a build, not runner time.
    expect(estimate.usage.actionRunnerMs['Test/SiteCheck']).toBeUndefined();
    // 1 GB x (5 + 60 + 6 x 0.3) s
    expect(estimate.usage.lambda.actionRunner.gbSeconds).toBeCloseTo(66.8);
    expect(estimate.assumptions.memoryMb.stageStep).toBe(1024);
  });

  it('counts a Manual approval: its request, its decision through the HTTP function, and no CodePipeline charge', () => {
    const gated: PipelineDeclaration = structuredClone(pipeline);
    gated.stages.splice(3, 0, {
      name: 'Gate',
      actions: [{ name: 'Review', actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' } }],
    });
    const plain = countExecutionUsage(pipeline, compiled, DEFAULT_COST_ASSUMPTIONS);
    const usage = countExecutionUsage(gated, compilePipeline(gated, providerCatalog), DEFAULT_COST_ASSUMPTIONS);
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
    expect(estimateCost(gated, compilePipeline(gated, providerCatalog), { executions: 1 }).codePipeline.v2.notBilled).toContainEqual({
      action: 'Gate/Review',
      reason: 'manual approval',
    });
  });
});
