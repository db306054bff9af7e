import { compileCatalog } from './compile-catalog';
import { stageEntryDefinition, type EntryDefinition, type ExecutionInput } from '../core/compile';
import type { PipelineDeclaration } from '../core/declaration';
import type { PipelineExecutionRecord } from '../ports/execution-store';
import type { StageWaiter } from '../ports/stage-locks';
import { resumeInput } from './approval-resume';
import type { ExecutionDependencies } from './dependencies';

/** An execution that a dead process left in front of a stage, and how to bring it back there. */
export interface StageResume {
  execution: PipelineExecutionRecord;
  declaration: PipelineDeclaration;
  /** The stage it waits to enter. */
  stage: string;
  /** The definition that starts at the stage's enter step. */
  resume: EntryDefinition;
  /** The state input there, rebuilt from the records. */
  input: ExecutionInput;
  /** Its place in the stage's line, which the enter step keeps when it joins again; none if it had not joined yet. */
  place?: StageWaiter;
}

/**
 * Whether an InProgress execution stood in front of a stage when its process died, and so can be
 * resumed at that stage's enter step: nothing of it is in progress, every stage before that one
 * has succeeded, that one and the later ones have not started, and every earlier action that keeps
 * a result has succeeded. Its place in the stage's line, if it had joined it, is kept: the enter
 * step joins again with the same ticket. Undefined otherwise.
 */
export async function planStageResume(deps: ExecutionDependencies, execution: PipelineExecutionRecord): Promise<StageResume | undefined> {
  // A rollback started with the results of another execution, which its own records do not hold.
  if (execution.status !== 'InProgress' || execution.executionType === 'ROLLBACK') return undefined;
  const executionId = execution.pipelineExecutionId;
  const [actions, stages, version] = await Promise.all([
    deps.store.listActions(executionId),
    deps.store.listStages(executionId),
    deps.store.getPipeline(execution.pipelineName, execution.pipelineVersion),
  ]);
  if (!version || actions.some((action) => action.status === 'InProgress')) return undefined;
  const declared = version.declaration.stages.map((stage) => stage.name);
  const next = declared.findIndex((name) => !stages.some((record) => record.stageName === name));
  if (next < 0) return undefined;
  const succeededBefore = declared.slice(0, next).every((name) => stages.find((record) => record.stageName === name)?.status === 'Succeeded');
  // A stage recorded beyond the next one belongs to no run that reaches here.
  if (!succeededBefore || stages.length !== next) return undefined;
  const stage = declared[next]!;

  const resume = stageEntryDefinition(version.declaration, compileCatalog(deps), stage);
  const input = resume && resumeInput(execution, actions, resume.slots);
  if (!resume || !input) return undefined;
  const line = await deps.locks.read(execution.pipelineName, stage);
  const place = line.waiters.find((waiter) => waiter.executionId === executionId);
  return { execution, declaration: version.declaration, stage, resume, input, ...(place ? { place } : {}) };
}
