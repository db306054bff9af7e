import { createHash } from 'node:crypto';
import type { CompiledPipeline, ExecutionInput } from '../../core/compile';
import { executionIdOfRun, STOPPED_BY_USER } from '../../core/engine-run-end';
import { ConflictError, NotFoundError } from '../../core/errors';
import type { PipelineRef } from '../../core/task-payloads';
import type { ApprovalRecord } from '../../ports/approval-store';
import type { DeployedPipeline, EngineExecutionStatus, ExecutionEnd, InProcessEngine } from '../../ports/engine';
import { LocalStateMachine, type TaskHandler, type TaskHandlers } from './local-state-machine';

export type { TaskHandler, TaskHandlers } from './local-state-machine';

/** What one execution's Task handlers are told, chosen by whoever runs it. */
export interface LocalRunOptions {
  /** Manual approvals approve themselves (sluice run --auto-approve). */
  autoApprove?: boolean;
  /** Called when a Manual approval waits, with its confirmation page. */
  onApproval?: (approval: ApprovalRecord, url: string) => void;
}

export interface LocalEngineDependencies {
  /** The Task handlers of one execution: the same steps the Lambda functions run on AWS. */
  handlers: (compiled: CompiledPipeline, pipeline: PipelineRef, options: LocalRunOptions) => TaskHandlers;
  /**
   * Records the end of an execution that did not reach its own: Stopped, or Failed outside every
   * Catch (a States.Runtime error), which ends the run without a stage failure step.
   */
  endExecution: (pipeline: PipelineRef, runArn: string, status: 'Stopped' | 'Failed', reason: string) => Promise<unknown>;
  /** The compiled version of a pipeline that this process has not deployed: one an earlier process registered. */
  compiledVersion: (name: string, version: number) => Promise<CompiledPipeline>;
  /** What the handlers of executions started by startExecution are told (sluice serve's notices). */
  background?: LocalRunOptions;
}

/** An execution running in this process, and the ways it can end early. */
interface RunningExecution {
  stop(cause: string): void;
  /** Lets go of an execution only waiting for Manual approvals, InProgress; stops any other one. */
  leaveOrStop(): void;
  /** Lets go without recording an end: it stays InProgress for the next process to resume. */
  letGo(): void;
  ended: Promise<ExecutionEnd>;
}

/** The id of a run on the local engine: named after its pipeline execution and attempt (engineRunName), as on Step Functions. */
export function localExecutionArn(runName: string): string {
  return `local:execution:${runName}`;
}

/**
 * The engine of a local installation: runs each compiled pipeline with aws-local-stepfunctions in
 * this process, every Task on a local handler. An execution that is stopped or fails outside every
 * Catch is recorded as ended, once the handlers still running have settled, so that nothing is
 * left half-written.
 */
export class LocalEngine implements InProcessEngine<LocalRunOptions> {
  /** The published versions, by version id; each keeps its definition however the pipeline changes after. */
  private readonly versions = new Map<string, LocalStateMachine>();
  private readonly running = new Map<string, RunningExecution>();
  private readonly ends = new Map<string, ExecutionEnd>();

  constructor(private readonly deps: LocalEngineDependencies) {}

  /** The version id names the definition by its digest: the same definition has the same id in every process. */
  async deployPipeline(name: string, compiled: CompiledPipeline): Promise<DeployedPipeline> {
    const stateMachineArn = `local:${name}`;
    const digest = createHash('sha256').update(JSON.stringify(compiled)).digest('hex').slice(0, 16);
    const versionArn = `${stateMachineArn}:${digest}`;
    if (!this.versions.has(versionArn)) this.versions.set(versionArn, new LocalStateMachine(compiled));
    return { stateMachineArn, versionArn };
  }

  async deletePipeline(name: string): Promise<void> {
    for (const versionArn of this.versions.keys()) if (versionArn.startsWith(`local:${name}:`)) this.versions.delete(versionArn);
  }

  /** Runs the execution in the background, its handlers told what `background` says. */
  async startExecution(versionArn: string, runName: string, input: ExecutionInput): Promise<{ executionArn: string }> {
    const { executionArn } = await this.runExecution(versionArn, runName, input, this.deps.background ?? {});
    return { executionArn };
  }

  /** Stops a running execution, and settles once it has ended Stopped with `cause` as its summary. */
  async stopExecution(executionArn: string, cause: string): Promise<void> {
    const running = this.running.get(executionArn);
    if (!running) {
      const executionId = executionIdOfRun(executionArn.slice(localExecutionArn('').length));
      throw new ConflictError(`Execution ${executionId} is not running in this sluice serve: the process that runs it stops it (Ctrl-C in its sluice run).`);
    }
    running.stop(cause);
    await running.ended.catch(() => undefined);
  }

  async describeExecution(executionArn: string): Promise<EngineExecutionStatus> {
    if (this.running.has(executionArn)) return { status: 'Running' };
    const end = this.ends.get(executionArn);
    if (!end) throw new NotFoundError(`No execution ${executionArn} has run in this process.`);
    return end;
  }

  async runExecution(
    versionArn: string,
    runName: string,
    input: ExecutionInput,
    options: LocalRunOptions,
  ): Promise<{ executionArn: string; ended: Promise<ExecutionEnd> }> {
    const machine = this.versions.get(versionArn) ?? (await this.publishedElsewhere(versionArn, input));
    const executionArn = localExecutionArn(runName);
    if (this.running.has(executionArn)) throw new ConflictError(`Execution ${input.pipeline.executionId} is running already.`);
    const execution = this.launch(machine, executionArn, input, options);
    this.running.set(executionArn, execution);
    const ended = execution.ended.then((end) => {
      this.ends.set(executionArn, end);
      return end;
    });
    // Whoever started it may not wait for its end; a failure to record that end is theirs to hear.
    void ended.finally(() => this.running.delete(executionArn)).catch(() => undefined);
    return { executionArn, ended };
  }

  /**
   * Ends this process's part: each execution that is only waiting for Manual approvals is let go,
   * InProgress, for the next `sluice serve` to resume; any other one stops.
   */
  leaveWaiting(): void {
    for (const execution of this.running.values()) execution.leaveOrStop();
  }

  /** Lets go of every running execution without recording an end: they stay InProgress for the next process. */
  letGoOfAll(): void {
    for (const execution of this.running.values()) execution.letGo();
  }

  /** Settles once every execution running now has ended. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.running.values()].map((execution) => execution.ended));
  }

  /** A version published by another process (an earlier sluice run or serve), compiled again from its record. */
  private async publishedElsewhere(versionArn: string, input: ExecutionInput): Promise<LocalStateMachine> {
    const machine = new LocalStateMachine(await this.deps.compiledVersion(input.pipeline.name, input.pipeline.version));
    this.versions.set(versionArn, machine);
    return machine;
  }

  private launch(machine: LocalStateMachine, runArn: string, input: ExecutionInput, options: LocalRunOptions): RunningExecution {
    const steps = new Map<Promise<unknown>, string>();
    const execution = machine.start(input, trackRunning(this.deps.handlers(machine.compiled, input.pipeline, options), steps));
    // Whichever comes first decides: letting go records nothing, even if a stop follows.
    let stoppedWith: string | undefined;
    let letGo = false;
    const stop = (cause: string) => {
      stoppedWith ??= cause;
      execution.stop();
    };
    const letGoOf = () => {
      if (stoppedWith === undefined) letGo = true;
      execution.stop();
    };
    const leaveOrStop = () => {
      const waiting = [...steps.values()];
      if (waiting.length > 0 && waiting.every((step) => step === 'requestApproval')) letGoOf();
      else stop(STOPPED_BY_USER);
    };
    const ended = (async () => {
      const end = await execution.outcome;
      if (end.status === 'Stopped' && !letGo) await this.deps.endExecution(input.pipeline, runArn, 'Stopped', stoppedWith ?? STOPPED_BY_USER);
      if (end.status === 'Failed') await this.deps.endExecution(input.pipeline, runArn, 'Failed', end.cause);
      // Handlers of a stopped execution, or of Parallel branches beside a failed one, may still be
      // finishing; the run ends when nothing is left half-written.
      while (steps.size > 0) await Promise.allSettled([...steps.keys()]);
      return end;
    })();
    return { stop, leaveOrStop, letGo: letGoOf, ended };
  }
}

/** Keeps each handler call that is running, with its step, until it settles. */
function trackRunning(handlers: TaskHandlers, running: Map<Promise<unknown>, string>): TaskHandlers {
  return Object.fromEntries(
    Object.entries(handlers).map(([step, handler]) => [
      step,
      (...args: Parameters<TaskHandler>) => {
        const call = handler(...args);
        running.set(call, step);
        void call.finally(() => running.delete(call)).catch(() => undefined);
        return call;
      },
    ]),
  ) as TaskHandlers;
}
