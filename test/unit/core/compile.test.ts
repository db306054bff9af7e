import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import aslValidator from 'asl-validator';
import type { ParallelState, TaskState } from '../../../lib/core/asl';
import { compilePipeline } from '../../../lib/core/compile';
import type { PipelineDeclaration } from '../../../lib/core/declaration';
import { formatDefinitionProblem, stepFunctionsProblems } from '../../../lib/core/step-functions-rules';
import { allStates, successPath } from '../../support/asl-walk';
import { EXAMPLES, PIPELINES, ROOT, VALID_FIXTURES, loadValid } from '../../support/fixtures';
import { providerCatalog } from '../../../lib/actions/registry';
import { gitSourceStage } from '../../support/declarations';

const DECLARATIONS = [...VALID_FIXTURES, ...EXAMPLES, ...PIPELINES];

describe('compilePipeline', () => {
  it.each(DECLARATIONS)('compiles %s into a definition that asl-validator accepts', (file) => {
    const { definition } = compilePipeline(loadValid(file), providerCatalog);
    const result = aslValidator(definition);
    expect({ valid: result.isValid, errors: result.errorsText('\n') }).toEqual({ valid: true, errors: '' });
  });

  it.each(DECLARATIONS)('is deterministic for %s', (file) => {
    const first = JSON.stringify(compilePipeline(loadValid(file), providerCatalog));
    const second = JSON.stringify(compilePipeline(structuredClone(loadValid(file)), providerCatalog));
    expect(second).toBe(first);
  });

  it.each(DECLARATIONS)('maps every Task state of %s, and only those, to its stage and action', (file) => {
    const pipeline = loadValid(file);
    const { definition, tasks } = compilePipeline(pipeline, providerCatalog);
    const taskStates = allStates(definition)
      .filter(([, state]) => state.Type === 'Task')
      .map(([name]) => name);
    expect(Object.keys(tasks).sort()).toEqual(taskStates.sort());
    const declared = pipeline.stages.flatMap((stage) => stage.actions.map((action) => `${stage.name}/${action.name}`));
    const bound = new Set(Object.values(tasks).flatMap((task) => (task.action ? [`${task.stage}/${task.action}`] : [])));
    expect([...bound].sort()).toEqual([...declared].sort());
  });

  it('uses JSONPath only', () => {
    for (const file of DECLARATIONS) {
      const text = JSON.stringify(compilePipeline(loadValid(file), providerCatalog).definition);
      expect(text).not.toMatch(/"QueryLanguage"|"Assign"|"Arguments"|\{%/);
    }
  });

  it('writes the definitions in statemachines/ of the pipelines in pipelines/, and no others, from the current compiler', () => {
    const statemachines = path.join(ROOT, 'statemachines');
    const committed = Object.fromEntries(
      readdirSync(statemachines)
        .filter((file) => file.endsWith('.asl.json'))
        .map((file) => [file, readFileSync(path.join(statemachines, file), 'utf8')]),
    );
    const fresh = Object.fromEntries(
      PIPELINES.map(loadValid).map((pipeline) => [
        `${pipeline.name}.asl.json`,
        `${JSON.stringify(compilePipeline(pipeline, providerCatalog).definition, null, 2)}\n`,
      ]),
    );
    // When this fails, run `npm run compile-pipelines` and commit statemachines/. Packaging the
    // stack rewrites it too, and also deletes the definitions of pipelines that are gone.
    expect(committed).toEqual(fresh);
  });
});

function pipelineWith(actions: Record<string, unknown>[], stageName = 'Deploy'): PipelineDeclaration {
  return {
    name: 'shapes',
    stages: [gitSourceStage('.', { namespace: 'SourceVariables' }), { name: stageName, actions: actions as PipelineDeclaration['stages'][number]['actions'] }],
  };
}

const approval = { name: 'Approve', actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' } };
const build = (name: string, runOrder = 1) => ({
  name,
  runOrder,
  actionTypeId: { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' },
  configuration: { ProjectName: 'p', EnvironmentVariables: '[{"name":"C","value":"#{SourceVariables.CommitId}"}]' },
  inputArtifacts: [{ name: 'Src' }],
  outputArtifacts: [{ name: `${name}Out` }],
});

describe('the shape of compiled actions', () => {
  it('waits on a task token for a Manual approval, for 7 days unless told otherwise', () => {
    const { definition } = compilePipeline(pipelineWith([approval]), providerCatalog);
    const state = definition.States['Deploy / Approve'];
    expect(state).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      TimeoutSeconds: 7 * 24 * 60 * 60,
      Parameters: { Payload: { 'taskToken.$': '$$.Task.Token' } },
    });
    const custom = compilePipeline(pipelineWith([{ ...approval, timeoutInMinutes: 60 }]), providerCatalog);
    expect(custom.definition.States['Deploy / Approve']).toMatchObject({ TimeoutSeconds: 3600 });
  });

  it('runs CodeBuild as startBuild.sync between a prepare and a complete step of the action runner', () => {
    const { definition, tasks } = compilePipeline(pipelineWith([build('Compile')], 'Build'), providerCatalog);
    expect(definition.States['Build / Compile (prepare)']).toMatchObject({ Next: 'Build / Compile' });
    expect(definition.States['Build / Compile']).toMatchObject({
      Resource: 'arn:aws:states:::codebuild:startBuild.sync',
      Next: 'Build / Compile (complete)',
    });
    expect(tasks['Build / Compile']).toEqual({ step: 'startBuild', stage: 'Build', action: 'Compile' });
  });

  it('runs a polling action again after the wait its last run asked for, until it answers with a result', () => {
    const catalog = new Map(providerCatalog);
    const key = 'Build/AWS/CodeBuild';
    catalog.set(key, { ...catalog.get(key)!, integration: 'polling' });
    const declaration = pipelineWith([build('Compile', 1), { ...build('Use', 2), inputArtifacts: [{ name: 'CompileOut' }], outputArtifacts: [] }], 'Build');
    const { definition, tasks } = compilePipeline(declaration, catalog);
    expect(aslValidator(definition).isValid).toBe(true);
    expect(stepFunctionsProblems(definition)).toEqual([]);
    const states = definition.States;
    expect(states['Build / Compile (start)']).toMatchObject({ Type: 'Pass', Parameters: {}, ResultPath: '$.polling', Next: 'Build / Compile' });
    expect(states['Build / Compile']).toMatchObject({
      Parameters: { Payload: { step: 'runAction', 'polling.$': '$.polling' } },
      ResultSelector: { 'answer.$': '$.Payload' },
      ResultPath: '$.polling',
      Next: 'Build / Compile (in progress?)',
    });
    expect(states['Build / Compile (in progress?)']).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.polling.answer.inProgress', IsPresent: true, Next: 'Build / Compile (wait)' }],
      Default: 'Build / Compile (result)',
    });
    expect(states['Build / Compile (wait)']).toMatchObject({ Type: 'Wait', SecondsPath: '$.polling.answer.inProgress.afterSeconds', Next: 'Build / Compile' });
    // The result goes where a runner action's would, and the next action reads its artifact from there.
    const result = states['Build / Compile (result)'] as { Parameters: unknown; ResultPath: string; Next: string };
    expect(result.Parameters).toEqual({ 'artifacts.$': '$.polling.answer.artifacts', 'variables.$': '$.polling.answer.variables' });
    expect((states['Build / Use (start)'] as { Next: string }).Next).toBe('Build / Use');
    expect(JSON.stringify((states['Build / Use'] as TaskState).Parameters)).toContain(`${result.ResultPath}.artifacts[0]`);
    expect(tasks['Build / Compile']).toEqual({ step: 'runAction', stage: 'Build', action: 'Compile' });
  });

  it('starts a build with the overrides prepareBuild wrote, keeps only its id, and retries a full account with full jitter', () => {
    const { definition, tasks } = compilePipeline(pipelineWith([build('Compile')], 'Build'), providerCatalog);
    const start = definition.States['Build / Compile'] as TaskState;
    expect(start.Parameters).not.toHaveProperty(['BuildspecOverride.$']);
    expect(start.Parameters).toMatchObject({
      'LogsConfigOverride.$': '$.codebuild.build.logsConfig',
      'EnvironmentVariablesOverride.$': '$.codebuild.build.environmentVariables',
    });
    expect(start).toMatchObject({ ResultSelector: { 'Id.$': '$.Build.Id' }, ResultPath: '$.codebuild.build' });
    expect(start.Retry).toEqual([
      expect.objectContaining({
        ErrorEquals: expect.arrayContaining(['CodeBuild.AccountLimitExceededException']),
        JitterStrategy: 'FULL',
        MaxDelaySeconds: 300,
      }),
    ]);
    expect(start.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.codebuild.error', Next: 'Build / Compile (build failed)' }]);
    expect(tasks['Build / Compile (build failed)']).toEqual({ step: 'failBuild', stage: 'Build', action: 'Compile' });
    expect(definition.States['Build / Compile (build failed)']).toMatchObject({
      Parameters: { Payload: { step: 'failBuild', 'codebuild.$': '$.codebuild' } },
      Catch: [
        { ErrorEquals: ['States.DataLimitExceeded'], ResultPath: '$.error', Next: 'Build (failed)' },
        { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Build (failed)' },
      ],
    });

    const named = compilePipeline(
      pipelineWith([{ ...build('Compile'), configuration: { ProjectName: 'p', BuildSpec: 'ci.yml' }, timeoutInMinutes: 5000 }], 'Build'),
      providerCatalog,
    );
    expect((named.definition.States['Build / Compile'] as TaskState).Parameters).toMatchObject({
      'BuildspecOverride.$': '$.codebuild.build.buildspec',
      TimeoutInMinutesOverride: 2160,
    });
    expect(named.definition.States['Build / Compile']).toMatchObject({ TimeoutSeconds: 5000 * 60 });
  });

  it('runs a CodeBuild action with BatchEnabled as startBuildBatch.sync, in the same steps, keeping only the batch id', () => {
    const batch = { ...build('Compile'), configuration: { ProjectName: 'p', BatchEnabled: 'true', BuildSpec: 'ci.yml' }, timeoutInMinutes: 5000 };
    const { definition, tasks } = compilePipeline(pipelineWith([batch], 'Build'), providerCatalog);
    expect(aslValidator(definition)).toMatchObject({ isValid: true });
    expect(stepFunctionsProblems(definition)).toEqual([]);
    const start = definition.States['Build / Compile'] as TaskState;
    expect(start).toMatchObject({
      Resource: 'arn:aws:states:::codebuild:startBuildBatch.sync',
      ResultSelector: { 'Id.$': '$.BuildBatch.Id' },
      ResultPath: '$.codebuild.build',
      TimeoutSeconds: 5000 * 60,
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.codebuild.error', Next: 'Build / Compile (build failed)' }],
      Next: 'Build / Compile (complete)',
    });
    // StartBuildBatch names the build timeout BuildTimeoutInMinutesOverride; it has no TimeoutInMinutesOverride.
    expect(start.Parameters).toMatchObject({
      'ProjectName.$': '$.codebuild.build.projectName',
      'BuildspecOverride.$': '$.codebuild.build.buildspec',
      'ArtifactsOverride.$': '$.codebuild.build.artifacts',
      'SecondaryArtifactsOverride.$': '$.codebuild.build.secondaryArtifacts',
      BuildTimeoutInMinutesOverride: 2160,
    });
    expect(start.Parameters).not.toHaveProperty('TimeoutInMinutesOverride');
    expect(definition.States['Build / Compile (failed)']).toMatchObject({
      Type: 'Fail',
      Cause: "Compile: the batch build did not succeed; the action's record holds its error.",
    });
    expect(tasks['Build / Compile (prepare)']).toEqual({ step: 'prepareBuild', stage: 'Build', action: 'Compile' });
    expect(tasks['Build / Compile (complete)']).toEqual({ step: 'completeBuild', stage: 'Build', action: 'Compile' });

    const single = compilePipeline(pipelineWith([{ ...batch, configuration: { ProjectName: 'p', BatchEnabled: 'false' } }], 'Build'), providerCatalog);
    expect(single.definition.States['Build / Compile']).toMatchObject({ Resource: 'arn:aws:states:::codebuild:startBuild.sync' });
  });

  it("encrypts a build's artifacts and log with the pipeline's artifact store key, and leaves the project's own key otherwise", () => {
    const key = 'arn:aws:kms:us-east-1:123456789012:key/artifacts';
    const pipeline = pipelineWith([build('Compile')], 'Build');
    const encrypted = compilePipeline(
      { ...pipeline, artifactStore: { type: 'S3', location: 'own-artifacts', encryptionKey: { id: key, type: 'KMS' } } },
      providerCatalog,
    );
    expect((encrypted.definition.States['Build / Compile'] as TaskState).Parameters).toMatchObject({ EncryptionKeyOverride: key });

    const plain = compilePipeline({ ...pipeline, artifactStore: { type: 'S3', location: 'own-artifacts' } }, providerCatalog);
    expect((plain.definition.States['Build / Compile'] as TaskState).Parameters).not.toHaveProperty('EncryptionKeyOverride');
  });

  it('passes input artifacts as locations in the execution state and variables by namespace', () => {
    const { definition } = compilePipeline(pipelineWith([build('Compile')], 'Build'), providerCatalog);
    const state = definition.States['Build / Compile (prepare)'];
    expect(state).toMatchObject({
      Parameters: {
        Payload: {
          inputArtifacts: [{ name: 'Src', 'location.$': '$.actions.a0.artifacts[0]' }],
          namespaces: { 'SourceVariables.$': '$.actions.a0.variables' },
        },
      },
    });
    expect(definition.States['Source / Checkout']).toMatchObject({ ResultPath: '$.actions.a0' });
  });

  it('runs actions with the same runOrder in one Parallel state and keeps every result', () => {
    const { definition } = compilePipeline(pipelineWith([build('A'), build('B'), build('C', 2)], 'Build'), providerCatalog);
    const parallel = definition.States['Build (runOrder 1)'] as ParallelState;
    // A Pass gives the branches their input: CloudFormation's schema has no Parameters on a Parallel.
    expect(definition.States['Build (runOrder 1 start)']).toEqual({
      Type: 'Pass',
      Parameters: { 'pipeline.$': '$.pipeline', actions: { 'a0.$': '$.actions.a0', a1: null, a2: null }, failure: null },
      Next: 'Build (runOrder 1)',
    });
    expect(parallel).not.toHaveProperty('Parameters');
    expect(parallel).toMatchObject({
      Type: 'Parallel',
      ResultSelector: {
        'pipeline.$': '$[0].pipeline',
        actions: { 'a0.$': '$[0].actions.a0', 'a1.$': '$[0].actions.a1', 'a2.$': '$[1].actions.a2' },
        'failures.$': 'States.Array($[0].failure, $[1].failure)',
      },
      Next: 'Build (runOrder 1 outcome)',
    });
    expect(parallel).not.toHaveProperty('ResultPath');
    expect(definition.States['Build (runOrder 1 outcome)']).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.failures[0].action', IsPresent: true, Next: 'Build (runOrder 1 failed)' },
        { Variable: '$.failures[1].action', IsPresent: true, Next: 'Build (runOrder 1 failed)' },
      ],
      Default: 'Build / C (run or keep)',
    });
  });

  it('gives a Manual approval no result slot, even with a namespace, so that no later group reads one it never wrote', () => {
    const pipeline = pipelineWith([build('A'), build('B')], 'Build');
    pipeline.stages.splice(1, 0, { name: 'Review', actions: [{ ...approval, namespace: 'ReviewVariables' }] } as PipelineDeclaration['stages'][number]);
    const { definition } = compilePipeline(pipeline, providerCatalog);

    expect(stepFunctionsProblems(definition).map(formatDefinitionProblem)).toEqual([]);
    // The approval is the second action: a1.
    expect(JSON.stringify(definition)).not.toContain('actions.a1');
  });

  it("lets every action of a runOrder group end before the stage fails, each branch ending with its action's failure", () => {
    const { definition } = compilePipeline(pipelineWith([build('A'), { ...approval, runOrder: 1 }], 'Build'), providerCatalog);
    const [compile, approve] = (definition.States['Build (runOrder 1)'] as ParallelState).Branches;
    const toFailure = (failure: string) => [
      { ErrorEquals: ['States.DataLimitExceeded'], ResultPath: '$.failure', Next: failure },
      { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: failure },
    ];
    for (const name of ['Build / A (prepare)', 'Build / A (complete)', 'Build / A (build failed)']) {
      expect(compile!.States[name]).toMatchObject({ Catch: toFailure('Build / A (failure)') });
    }
    expect(approve!.States['Build / Approve']).toMatchObject({ Catch: toFailure('Build / Approve (failure)') });
    expect(compile!.States['Build / A (failure)']).toEqual({
      Type: 'Pass',
      Parameters: { action: 'A', 'error.$': '$.failure' },
      ResultPath: '$.failure',
      End: true,
    });
    expect(definition.States['Build (runOrder 1 failed)']).toEqual({
      Type: 'Pass',
      Parameters: { 'failures.$': '$.failures' },
      ResultPath: '$.error',
      Next: 'Build (failed)',
    });
    // No branch state leads out of its branch to the stage's failure step.
    const leaves = allStates({ StartAt: '', States: { ...compile!.States, ...approve!.States } }).flatMap(([, state]) =>
      'Catch' in state ? (state.Catch ?? []).map((catcher) => catcher.Next) : [],
    );
    expect(leaves).not.toContain('Build (failed)');
  });

  it('sends every failure to the stage failure step, which ends the execution Failed, a result over the size limit too', () => {
    const { definition } = compilePipeline(pipelineWith([build('A'), build('B')], 'Build'), providerCatalog);
    for (const name of ['Build (enter)', 'Build (runOrder 1)', 'Build (exit)']) {
      expect(definition.States[name]).toMatchObject({
        Catch: [
          { ErrorEquals: ['States.DataLimitExceeded'], ResultPath: '$.error', Next: 'Build (failed)' },
          { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Build (failed)' },
        ],
      });
    }
    expect(definition.States['Build (failed)']).toMatchObject({ Next: 'Pipeline failed' });
    expect(definition.States['Pipeline failed']).toMatchObject({ Type: 'Fail' });
  });

  it('keeps long state names within 80 characters and unique', () => {
    const long = 'S'.repeat(100);
    const actions = [build(`${'A'.repeat(99)}1`), build(`${'A'.repeat(99)}2`)];
    const { definition } = compilePipeline(pipelineWith(actions, long), providerCatalog);
    const names = allStates(definition).map(([name]) => name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name.length).toBeLessThanOrEqual(80);
    expect(successPath(definition).length).toBeGreaterThan(0);
  });
});

describe('retrying a stage', () => {
  const retried = () => {
    const pipeline = pipelineWith([build('A'), build('B'), build('C', 2)], 'Build');
    pipeline.stages[1]!.onFailure = { result: 'RETRY', retryConfiguration: { retryMode: 'FAILED_ACTIONS' } };
    return compilePipeline(pipeline, providerCatalog).definition;
  };

  it('enters at the stage that a retry names, with the results of the stages before it, and at the first stage otherwise', () => {
    const definition = retried();
    expect(definition.StartAt).toBe('Enter at stage');
    expect(definition.States['Enter at stage']).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.pipeline.retry', IsPresent: true, Next: 'Enter at the stage retried' },
        { Variable: '$.pipeline.rollback', IsPresent: true, Next: 'Enter at the stage rolled back' },
      ],
      Default: 'Source (enter)',
    });
    expect(definition.States['Enter at the stage retried']).toEqual({
      Type: 'Choice',
      Choices: [
        {
          And: [
            { Variable: '$.pipeline.retry.stage', StringEquals: 'Build' },
            { Variable: '$.actions.a0', IsPresent: true },
          ],
          Next: 'Build (enter)',
        },
      ],
      Default: 'Source (enter)',
    });
    expect(stepFunctionsProblems(definition).map(formatDefinitionProblem)).toEqual([]);
  });

  it("passes by an action whose result the retry keeps, leaving that result in the action's slot", () => {
    const definition = retried();
    expect(definition.States['Build / C (run or keep)']).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.pipeline.retry.kept.a3', IsPresent: true, Next: 'Build / C (kept)' }],
      Default: 'Build / C (prepare)',
    });
    expect(definition.States['Build / C (kept)']).toEqual({
      Type: 'Pass',
      Parameters: { 'artifacts.$': '$.pipeline.retry.kept.a3.artifacts', 'variables.$': '$.pipeline.retry.kept.a3.variables' },
      ResultPath: '$.actions.a3',
      Next: 'Build (exit)',
    });
  });

  it('goes back to the enter step of a stage with onFailure RETRY when its failure step began a retry, and fails the pipeline otherwise', () => {
    const definition = retried();
    expect(definition.States['Build (failed)']).toMatchObject({
      ResultSelector: { 'retry.$': '$.Payload.retry' },
      ResultPath: '$.retrying',
      Next: 'Build (retrying)',
    });
    expect(definition.States['Build (retrying)']).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.retrying.retry.stage', IsPresent: true, Next: 'Build (retry)' }],
      Default: 'Pipeline failed',
    });
    expect(definition.States['Build (retry)']).toEqual({ Type: 'Pass', InputPath: '$.retrying.retry', ResultPath: '$.pipeline.retry', Next: 'Build (enter)' });
    expect(definition.States['Source (failed)']).toMatchObject({ Next: 'Pipeline failed', ResultPath: null });
  });
});

describe('rolling back a stage', () => {
  /** Source, Build (whose entry condition may skip it), Deploy. */
  const threeStages = () => {
    const pipeline = pipelineWith([build('A')], 'Build');
    pipeline.pipelineType = 'V2';
    const variableCheck = {
      name: 'Gate',
      ruleTypeId: { category: 'Rule' as const, provider: 'VariableCheck' },
      configuration: { Variable: '1', Value: '1', Operator: 'EQ' },
    };
    pipeline.stages[1]!.beforeEntry = { conditions: [{ result: 'SKIP', rules: [variableCheck] }] };
    pipeline.stages.push({
      name: 'Deploy',
      actions: [build('D')] as PipelineDeclaration['stages'][number]['actions'],
    });
    return compilePipeline(pipeline, providerCatalog).definition;
  };

  it("enters at the stage a rollback names, with the target's results of the stages before it, and runs nothing when none fits", () => {
    const definition = threeStages();
    expect(definition.States['Enter at the stage rolled back']).toEqual({
      Type: 'Choice',
      Choices: [
        {
          And: [
            { Variable: '$.pipeline.rollback.stage', StringEquals: 'Build' },
            { Variable: '$.actions.a0', IsPresent: true },
          ],
          Next: 'Build (enter)',
        },
        {
          And: [
            { Variable: '$.pipeline.rollback.stage', StringEquals: 'Deploy' },
            { Variable: '$.actions.a0', IsPresent: true },
            { Variable: '$.actions.a1', IsPresent: true },
          ],
          Next: 'Deploy (enter)',
        },
      ],
      Default: 'Pipeline failed',
    });
    expect(stepFunctionsProblems(definition).map(formatDefinitionProblem)).toEqual([]);
    expect(aslValidator(definition).isValid).toBe(true);
  });

  it('ends a rollback after its stage, skipped or run, where a standard execution goes on to the next stage', () => {
    const definition = threeStages();
    expect(definition.States['Build (exit)']).toMatchObject({ Next: 'Build (rolled back?)' });
    expect(definition.States['Build (rolled back?)']).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.pipeline.rollback', IsPresent: true, Next: 'Stage rolled back' }],
      Default: 'Deploy (enter)',
    });
    expect(definition.States['Build (skipped?)']).toEqual({
      Type: 'Choice',
      Choices: [
        {
          And: [
            { Variable: '$.entry.skipped', BooleanEquals: true },
            { Variable: '$.pipeline.rollback', IsPresent: true },
          ],
          Next: 'Stage rolled back',
        },
        { Variable: '$.entry.skipped', BooleanEquals: true, Next: 'Deploy (enter)' },
      ],
      Default: 'Build / A (run or keep)',
    });
    expect(definition.States['Stage rolled back']).toEqual({ Type: 'Succeed' });
    // The first stage is never rolled back, and after the last the definition ends anyway.
    expect(definition.States['Source (exit)']).toMatchObject({ Next: 'Build (enter)' });
    expect(definition.States['Deploy (exit)']).toMatchObject({ End: true });
  });
});
