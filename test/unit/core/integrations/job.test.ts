import { providerCatalog } from '../../../../lib/actions/registry';
import { compilePipeline } from '../../../../lib/core/compile';
import type { ActionDeclaration, PipelineDeclaration } from '../../../../lib/core/declaration';
import type { TaskState } from '../../../../lib/core/asl';

const git = { category: 'Source', owner: 'Custom', provider: 'Git', version: '1' } as const;
const tool = { category: 'Build', owner: 'Custom', provider: 'Tool', version: '1' } as const;

function compiled(toolAction: Partial<ActionDeclaration> = {}) {
  const pipeline: PipelineDeclaration = {
    name: 'custom',
    stages: [
      {
        name: 'Source',
        actions: [{ name: 'Src', actionTypeId: git, configuration: { RepositoryUrl: '.', BranchName: 'main' }, outputArtifacts: [{ name: 'Out' }] }],
      },
      { name: 'Build', actions: [{ name: 'Tool', actionTypeId: tool, inputArtifacts: [{ name: 'Out' }], namespace: 'ToolVars', ...toolAction }] },
    ],
  };
  return compilePipeline(pipeline, providerCatalog);
}

describe('a custom action (owner Custom, a type registered at run time)', () => {
  it("queues a job and waits on the Task's token, keeping what the worker reports for the actions after it", () => {
    const { definition, tasks } = compiled();
    const state = definition.States['Build / Tool'] as TaskState;
    expect(tasks['Build / Tool']).toEqual({ step: 'queueJob', stage: 'Build', action: 'Tool' });
    expect(state).toMatchObject({
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: { FunctionName: '${ApprovalRequestFunctionArn}', Payload: { step: 'queueJob', 'taskToken.$': '$$.Task.Token' } },
      // The worker's success is the Task's output itself, with no Lambda Payload around it.
      ResultSelector: { 'artifacts.$': '$.artifacts', 'variables.$': '$.variables' },
      ResultPath: '$.actions.a1',
    });
  });

  it("waits CodePipeline's hour, or the action's timeoutInMinutes", () => {
    expect((compiled().definition.States['Build / Tool'] as TaskState).TimeoutSeconds).toBe(3600);
    expect((compiled({ timeoutInMinutes: 10 }).definition.States['Build / Tool'] as TaskState).TimeoutSeconds).toBe(600);
  });

  it("leaves Sluice's own provider of owner Custom (Custom/Git) to the action runner", () => {
    expect(compiled().tasks['Source / Src']).toEqual({ step: 'runAction', stage: 'Source', action: 'Src' });
  });
});
