import fc from 'fast-check';
import aslValidator from 'asl-validator';
import { providerCatalog } from '../../../lib/actions/registry';
import { compilePipeline, type TaskBinding } from '../../../lib/core/compile';
import type { ActionDeclaration, PipelineDeclaration } from '../../../lib/core/declaration';
import { formatDefinitionProblem, stepFunctionsProblems } from '../../../lib/core/step-functions-rules';
import { validatePipeline } from '../../../lib/core/validate';
import { successPath, type Step } from '../../support/asl-walk';

const source = (index: number): ActionDeclaration => ({
  name: `Src${index}`,
  actionTypeId: { category: 'Source', owner: 'Custom', provider: 'Git', version: '1' },
  configuration: { RepositoryUrl: `repo${index}`, BranchName: 'main' },
  outputArtifacts: [{ name: `Src${index}Out` }],
});

/** Actions that can stand after the first stage, each consuming the first source's artifact or nothing. */
const laterAction = (name: string, runOrder: number, kind: number): ActionDeclaration => {
  const common = { name, runOrder };
  switch (kind) {
    case 0:
      return {
        ...common,
        actionTypeId: { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' },
        configuration: { ProjectName: 'p' },
        inputArtifacts: [{ name: 'Src0Out' }],
      };
    case 1:
      return {
        ...common,
        actionTypeId: { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1' },
        commands: ['true'],
        inputArtifacts: [{ name: 'Src0Out' }],
      };
    case 2:
      return { ...common, actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' } };
    default:
      return {
        ...common,
        actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'S3', version: '1' },
        configuration: { BucketName: 'b', Extract: 'true' },
        inputArtifacts: [{ name: 'Src0Out' }],
      };
  }
};

const declarations: fc.Arbitrary<PipelineDeclaration> = fc
  .record({
    sources: fc.integer({ min: 1, max: 3 }),
    later: fc.array(fc.array(fc.record({ runOrder: fc.integer({ min: 1, max: 4 }), kind: fc.nat(3) }), { minLength: 1, maxLength: 6 }), {
      minLength: 1,
      maxLength: 4,
    }),
  })
  .map(({ sources, later }) => ({
    name: 'generated',
    stages: [
      { name: 'Source', actions: Array.from({ length: sources }, (_, index) => source(index)) },
      ...later.map((actions, stageIndex) => ({
        name: `Stage${stageIndex + 1}`,
        actions: actions.map(({ runOrder, kind }, index) => laterAction(`Act${index}`, runOrder, kind)),
      })),
    ],
  }));

/** The actions a step runs, as stage/action keys, read from the Task map. */
function actionsOf(step: Step, tasks: Record<string, TaskBinding>): string[] {
  if (step.kind === 'parallel') return step.branches.flatMap((branch) => branch.flatMap((inner) => actionsOf(inner, tasks)));
  const task = tasks[step.name]!;
  const runsAction = task.step === 'runAction' || task.step === 'requestApproval' || task.step === 'startBuild';
  return runsAction ? [`${task.stage}/${task.action}`] : [];
}

describe('compiled definitions of generated declarations', () => {
  it('run stages in sequence, runOrder groups in ascending order, equal runOrders in parallel, each action once', () => {
    fc.assert(
      fc.property(declarations, (pipeline) => {
        const validation = validatePipeline(pipeline, providerCatalog);
        expect(validation.problems).toEqual([]);
        const { definition, tasks } = compilePipeline(pipeline, providerCatalog);

        const path = successPath(definition);
        const stageOrder = path.flatMap((step) => (step.kind === 'task' && tasks[step.name]!.step === 'enterStage' ? [tasks[step.name]!.stage] : []));
        expect(stageOrder).toEqual(pipeline.stages.map((stage) => stage.name));

        const groups = path.map((step) => ({ step, actions: actionsOf(step, tasks) })).filter((group) => group.actions.length > 0);
        const expected = pipeline.stages.flatMap((stage) => {
          const orders = [...new Set(stage.actions.map((action) => action.runOrder ?? 1))].sort((a, b) => a - b);
          return orders.map((order) => stage.actions.filter((action) => (action.runOrder ?? 1) === order).map((action) => `${stage.name}/${action.name}`));
        });
        expect(groups.map((group) => [...group.actions].sort())).toEqual(expected.map((group) => [...group].sort()));
        for (const group of groups) expect(group.step.kind === 'parallel').toBe(group.actions.length > 1);

        const all = groups.flatMap((group) => group.actions);
        expect(new Set(all).size).toBe(all.length);
      }),
      { numRuns: 300 },
    );
  });

  it('pass the checks for what Step Functions refuses and asl-validator does not, the paths each state reads among them', () => {
    fc.assert(
      fc.property(declarations, (pipeline) => {
        expect(stepFunctionsProblems(compilePipeline(pipeline, providerCatalog).definition).map(formatDefinitionProblem)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('pass asl-validator', () => {
    // asl-validator takes about 0.1 s a definition, so this property samples fewer declarations.
    fc.assert(
      fc.property(declarations, (pipeline) => {
        const result = aslValidator(compilePipeline(pipeline, providerCatalog).definition);
        expect(result.errorsText('\n')).toBe('');
      }),
      { numRuns: 30 },
    );
  });
});
