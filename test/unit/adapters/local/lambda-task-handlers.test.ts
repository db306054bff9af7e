import { runnerCommandsCatalog } from '../../../support/runner-commands';
import { lambdaTaskHandlers, type LambdaHandler } from '../../../../lib/adapters/local/lambda-task-handlers';
import { LocalTaskCallbacks } from '../../../../lib/adapters/local/local-task-callbacks';
import { compilePipeline, type TaskBinding } from '../../../../lib/core/compile';
import type { PipelineDeclaration } from '../../../../lib/core/declaration';
import type { TaskContext } from '../../../../lib/ports/task-context';
import { gitSourceStage } from '../../../support/declarations';

const pipeline: PipelineDeclaration = {
  name: 'p',
  stages: [
    gitSourceStage('/r'),
    {
      name: 'Ship',
      actions: [
        { name: 'Deploy', actionTypeId: { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1' }, commands: ['true'], timeoutInMinutes: 10 },
        { name: 'Review', actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' }, runOrder: 2 },
      ],
    },
  ],
};

type Call = { functionName: string; event: Record<string, unknown>; context: TaskContext };

function handlers(options: { whileWaiting?: () => Promise<() => void> } = {}) {
  const calls: Call[] = [];
  const callbacks = new LocalTaskCallbacks();
  const recording =
    (functionName: string): LambdaHandler =>
    async (event, context) => {
      calls.push({ functionName, event: event as Record<string, unknown>, context });
      return { from: functionName };
    };
  let tokens = 0;
  const tasks = lambdaTaskHandlers({
    compiled: compilePipeline(pipeline, runnerCommandsCatalog),
    functions: { stageStep: recording('stageStep'), actionRunner: recording('actionRunner'), approvalRequest: recording('approvalRequest') },
    startBuild: async () => ({}),
    callbacks,
    newTaskToken: () => `token-${++tokens}`,
    ...options,
  });
  return { tasks, calls, callbacks };
}

const binding = (step: TaskBinding['step'], stage: string, action?: string): TaskBinding => ({ step, stage, ...(action ? { action } : {}) });

describe('lambdaTaskHandlers', () => {
  it("invokes the step's function with the payload, and answers as lambda:invoke does", async () => {
    const { tasks, calls } = handlers();
    const signal = new AbortController().signal;
    await expect(tasks.exitStage({ Payload: { step: 'exitStage' } }, binding('exitStage', 'Ship'), signal)).resolves.toEqual({
      Payload: { from: 'stageStep' },
    });
    await expect(tasks.runAction({ Payload: { step: 'runAction' } }, binding('runAction', 'Ship', 'Deploy'), signal)).resolves.toEqual({
      Payload: { from: 'actionRunner' },
    });
    expect(calls.map(({ functionName, event, context }) => [functionName, event.step, context.functionName])).toEqual([
      ['stageStep', 'exitStage', 'sluice-local-stageStep'],
      ['actionRunner', 'runAction', 'sluice-local-actionRunner'],
    ]);
    expect(calls[0]!.context.awsRequestId).not.toBe(calls[1]!.context.awsRequestId);
  });

  it("gives a stage's enter function a new task token, and goes on into the stage only when the token is called back", async () => {
    const { tasks, calls, callbacks } = handlers();
    let entered = false;
    const task = tasks.enterStage({ Payload: { step: 'enterStage', stage: 'Ship' } }, binding('enterStage', 'Ship'), new AbortController().signal);
    void task.then(() => (entered = true));
    while (calls.length === 0) await new Promise((resolve) => setImmediate(resolve));
    expect(calls[0]!.event).toEqual({ step: 'enterStage', stage: 'Ship', taskToken: 'token-1' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(entered).toBe(false);

    await callbacks.succeed('token-1', {});
    await expect(task).resolves.toEqual({});
  });

  it("counts the context's remaining time down from the Task's TimeoutSeconds, and aborts its stop signal with the execution", async () => {
    const { tasks, calls } = handlers();
    const stop = new AbortController();
    await tasks.runAction({ Payload: { step: 'runAction' } }, binding('runAction', 'Ship', 'Deploy'), stop.signal);
    const { context } = calls[0]!;
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(10 * 60_000 - 5_000);
    expect(context.getRemainingTimeInMillis()).toBeLessThanOrEqual(10 * 60_000);
    expect(context.stopSignal?.aborted).toBe(false);
    stop.abort();
    expect(context.stopSignal?.aborted).toBe(true);
  });

  it("gives an approval's function a new task token in its payload, and ends the Task when that token is called back", async () => {
    let stoppedWaiting = 0;
    const { tasks, calls, callbacks } = handlers({ whileWaiting: async () => () => (stoppedWaiting += 1) });
    const task = tasks.requestApproval(
      { Payload: { step: 'requestApproval', stage: 'Ship' } },
      binding('requestApproval', 'Ship', 'Review'),
      new AbortController().signal,
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls.map(({ functionName, event }) => [functionName, event.taskToken])).toEqual([['approvalRequest', 'token-1']]);
    await callbacks.succeed('token-1', { decided: true });
    await expect(task).resolves.toEqual({ decided: true });
    expect(stoppedWaiting).toBe(1);
  });

  it('fails a waiting approval Task when its execution stops, and releases its token', async () => {
    const { tasks, callbacks } = handlers();
    const stop = new AbortController();
    const task = tasks.requestApproval({ Payload: { step: 'requestApproval' } }, binding('requestApproval', 'Ship', 'Review'), stop.signal);
    await new Promise((resolve) => setImmediate(resolve));
    stop.abort();
    await expect(task).rejects.toMatchObject({ name: 'Sluice.Stopped' });
    await expect(callbacks.succeed('token-1', {})).rejects.toMatchObject({ name: 'Sluice.TaskNotWaiting' });
  });
});
