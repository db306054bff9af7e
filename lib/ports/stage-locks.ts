import type { ExecutionMode } from '../core/declaration';

/** CodePipeline's two transitions of a stage: into it, and out of it to the next stage. */
export type TransitionType = 'Inbound' | 'Outbound';

/** A disabled transition, as GetPipelineState shows it; an enabled one has no record. */
export interface DisabledTransition {
  disabledReason: string;
  lastChangedBy: string;
  lastChangedAt: string;
}

/** An execution in line in front of a stage: what admits it, and the order it arrived in. */
export interface StageWaiter {
  executionId: string;
  /** Rises with each arrival at the stage: QUEUED admits the lowest, SUPERSEDED the highest. */
  ticket: number;
  /** The enter Task's token, called back when the execution is admitted or superseded. */
  taskToken: string;
  /** The execution mode of the pipeline version the execution runs. */
  mode: ExecutionMode;
  arrivedAt: string;
}

/** A stage's lock, its transitions and its line, read at once. */
export interface StageLine {
  /** The execution that holds the stage, if one does. */
  holder?: string;
  transitions: Partial<Record<TransitionType, DisabledTransition>>;
  /** In arrival order. */
  waiters: StageWaiter[];
}

/**
 * The stage locks of every pipeline, the lines in front of them, and the transitions between
 * stages. Each change is one conditional write on one item: two processes racing for a lock or a
 * waiter see exactly one of them win.
 */
export interface StageLocks {
  /** Joins the line of a stage; joining again (a retried Task) keeps the place and takes the new token. */
  join(pipeline: string, stage: string, waiter: Omit<StageWaiter, 'ticket'>): Promise<StageWaiter>;
  /** The lock, transitions and line of a stage, strongly consistent. */
  read(pipeline: string, stage: string): Promise<StageLine>;
  /** Takes the lock for `executionId` if nobody holds it. */
  acquire(pipeline: string, stage: string, executionId: string): Promise<boolean>;
  /** Lets go of the lock if `executionId` holds it. */
  release(pipeline: string, stage: string, executionId: string): Promise<boolean>;
  /** Takes a waiter out of the line; false when it was no longer there (another process took it). */
  leave(pipeline: string, stage: string, executionId: string): Promise<boolean>;
  /** Disables a transition, or with `undefined` enables it. */
  setTransition(pipeline: string, stage: string, type: TransitionType, disabled: DisabledTransition | undefined): Promise<void>;
  /** Forgets a stage's lock, transitions and line: its pipeline is deleted, and one made again under its name starts afresh. */
  forget(pipeline: string, stage: string): Promise<void>;
}
