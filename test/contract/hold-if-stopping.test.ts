import type { PipelineDeclaration } from '../../lib/core/declaration';
import { StoppedError } from '../../lib/core/errors';
import type { PipelineRef } from '../../lib/core/task-payloads';
import type { ExecutionDependencies } from '../../lib/execution/dependencies';
import { enterStage } from '../support/step-engine';
import { startExecution } from '../../lib/execution/start-execution';
import { holdIfStopping, lambdaStoppingWait, markStopping, startsSomething, type StoppingWait } from '../../lib/execution/stop-execution';
import type { PipelineEngine } from '../../lib/ports/engine';
import type { PipelineExecutionRecord } from '../../lib/ports/execution-store';
import { stackPerSuite } from '../support/embedded-stack';
import { testExecutionDependencies } from '../support/execution-deps';
import { actionRecord } from '../support/task-payloads';

const compile = { name: 'Compile', actionTypeId: { category: 'Build', owner: 'AWS', provider: 'Commands', version: '1' } } as const;
const webapp: PipelineDeclaration = { name: 'webapp', stages: [{ name: 'Build', actions: [compile, { ...compile, name: 'Lint' }] }] };

describe('a step that starts something, in a stop and wait (holdIfStopping)', () => {
  const suite = stackPerSuite();
  let deps: ExecutionDependencies;

  beforeAll(async () => {
    ({ deps } = await testExecutionDependencies(suite.test, { providers: [], workspaceRoot: suite.scratch }));
  });

  /** An execution in its Build stage, with Compile in progress unless `idle`, Stopping unless `running`. */
  async function execution(options: { idle?: boolean; running?: boolean } = {}): Promise<PipelineRef> {
    const { pipeline } = await startExecution(deps, {
      pipeline: webapp,
      version: 1,
      trigger: { triggerType: 'StartPipelineExecution', triggerDetail: 'alice' },
    });
    await enterStage(deps, pipeline, 'Build');
    if (!options.idle) await deps.store.putAction(compileRecord(pipeline, 'InProgress'));
    if (!options.running) expect(await markStopping(deps, (await deps.store.getExecution(pipeline.executionId))!, 'Stopped by alice')).toBe(true);
    return pipeline;
  }
  const compileRecord = (pipeline: PipelineRef, status: 'InProgress' | 'Succeeded') => actionRecord(pipeline, 'Build', compile, status);

  /** A wait that records what the step asked of it; `forActions` runs `meanwhile` and answers `more`. */
  function recordingWait(meanwhile: () => Promise<unknown> = async () => undefined, more = true) {
    const asked: string[] = [];
    const stopped: PipelineExecutionRecord[] = [];
    const wait: StoppingWait = {
      forActions: async () => {
        asked.push('forActions');
        await meanwhile();
        return more;
      },
      stop: async (record) => {
        asked.push('stop');
        stopped.push(record);
      },
    };
    return { wait, asked, stopped };
  }

  it("names as starting steps the entries, exits, action starts and stages' conditions, and not the steps that finish an action or fail a stage", () => {
    const starting = [
      'enterStage',
      'exitStage',
      'runAction',
      'prepareBuild',
      'requestApproval',
      'queueJob',
      'checkBeforeEntry',
      'checkOnSuccess',
      'checkOnFailure',
    ];
    expect(starting.filter(startsSomething)).toEqual(starting);
    expect(['completeBuild', 'failBuild', 'failStage', 'startBuild'].filter(startsSomething)).toEqual([]);
  });

  it('lets the step run while the execution is InProgress', async () => {
    const pipeline = await execution({ running: true });
    const { wait, asked } = recordingWait();
    await expect(holdIfStopping(deps.store, pipeline.executionId, 'runAction', wait)).resolves.toBeUndefined();
    expect(asked).toEqual([]);
  });

  it('stops a Stopping execution with no action in progress at once, and does not run the step', async () => {
    const pipeline = await execution({ idle: true });
    const { wait, asked, stopped } = recordingWait();
    await expect(holdIfStopping(deps.store, pipeline.executionId, 'exitStage', wait)).rejects.toThrow(
      new StoppedError('exitStage did not start: the execution was stopped, with a stop that waits for its actions in progress.'),
    );
    expect(asked).toEqual(['stop']);
    expect(stopped).toEqual([expect.objectContaining({ pipelineExecutionId: pipeline.executionId, status: 'Stopping', statusSummary: 'Stopped by alice' })]);
  });

  it('waits while an action is in progress, and stops the execution once it has finished', async () => {
    const pipeline = await execution();
    let waits = 0;
    const { wait, asked } = recordingWait(async () => {
      if (++waits === 2) await deps.store.putAction(compileRecord(pipeline, 'Succeeded'));
    });
    await expect(holdIfStopping(deps.store, pipeline.executionId, 'runAction', wait)).rejects.toBeInstanceOf(StoppedError);
    expect(asked).toEqual(['forActions', 'forActions', 'stop']);
  });

  it('stops the execution when the step can wait no longer, its action still in progress', async () => {
    const pipeline = await execution();
    const { wait, asked } = recordingWait(async () => undefined, false);
    await expect(holdIfStopping(deps.store, pipeline.executionId, 'prepareBuild', wait)).rejects.toBeInstanceOf(StoppedError);
    expect(asked).toEqual(['forActions', 'stop']);
  });

  it('stops nothing itself when the execution ends otherwise while it waits (a stop with abandon)', async () => {
    const pipeline = await execution();
    const { wait, asked } = recordingWait(() => deps.store.finishExecution(pipeline.executionId, 'Stopped', 'abandoned by alice', '2025-01-01T00:01:00.000Z'));
    await expect(holdIfStopping(deps.store, pipeline.executionId, 'requestApproval', wait)).rejects.toBeInstanceOf(StoppedError);
    expect(asked).toEqual(['forActions']);
  });

  // Its stop, on Step Functions, is proven against moto (test/aws/stop-and-wait.test.ts).
  it('in a Lambda function, waits for the actions only while its time lasts, keeping some to stop the execution', async () => {
    const stopper: Pick<PipelineEngine, 'stopExecution'> = { stopExecution: () => Promise.reject(new Error('not stopped here')) };
    let remaining = 60_000;
    const wait = lambdaStoppingWait(deps, stopper, () => remaining, 1);
    expect(await wait.forActions()).toBe(true);
    remaining = 10_000;
    expect(await wait.forActions()).toBe(false);
  });
});
