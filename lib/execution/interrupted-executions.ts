import { setTimeout as sleep } from 'node:timers/promises';
import type { ApprovalRecord } from '../ports/approval-store';
import type { InProcessEngine } from '../ports/engine';
import type { PipelineExecutionRecord } from '../ports/execution-store';
import { planApprovalResume, type ApprovalResume } from './approval-resume';
import type { ApprovalDependencies } from './approvals';
import { endExecution } from './end-execution';
import type { ExecutionDependencies } from './dependencies';
import { publishStageState } from './publish';
import { pipelineRefOf } from './stage-entry';
import { planStageResume, type StageResume } from './stage-resume';
import { resumeOnEngine } from './start-on-engine';

export const INTERRUPTED = 'interrupted: the process running it ended before it finished';

/** An execution that a dead process left waiting, for Manual approvals or in front of a stage. */
export type ExecutionResume = ApprovalResume | StageResume;

export const waitsForApprovals = (plan: ExecutionResume): plan is ApprovalResume => 'approvals' in plan;

/** An engine of this process that tells when a resumed approval waits again. */
type ResumingEngine = InProcessEngine<{ onApproval?: (approval: ApprovalRecord, url: string) => void }>;

/**
 * Takes over the executions that a dead process left InProgress or Stopping. With `resume`, those
 * only waiting for Manual approvals, and those that stood in front of a stage, are resumed (see
 * resumeWaiting); every other one ends: Failed ("interrupted"), or Stopped if it was stopping.
 * Returns the plans of the executions resumed, once each waits again. `inProgress`, when given, is
 * the store's list of those executions, read already; otherwise it is read here.
 *
 * The executions in lines go back one at a time, each joining its line again (with its own ticket
 * and a new task token) before the next: whoever then admits from the line calls a token that a
 * Task of this process waits on. The order is the one the line admits in (QUEUED the oldest first,
 * SUPERSEDED the newest, whose arrival supersedes the older ones), so that no waiter is admitted
 * while it still holds the dead process's token. Only then do the others end, letting go of the
 * stages they held.
 */
export async function takeOverInterrupted(
  deps: ApprovalDependencies,
  resume?: (plan: ExecutionResume) => Promise<boolean>,
  inProgress?: PipelineExecutionRecord[],
): Promise<ExecutionResume[]> {
  const approvals: ApprovalResume[] = [];
  const inLines: StageResume[] = [];
  const interrupted: PipelineExecutionRecord[] = [];
  for (const execution of inProgress ?? (await deps.store.listExecutionsInProgress())) {
    const approval = resume && (await planApprovalResume(deps, execution).catch(() => undefined));
    const inLine = resume && !approval ? await planStageResume(deps, execution).catch(() => undefined) : undefined;
    if (approval) approvals.push(approval);
    else if (inLine) inLines.push(inLine);
    else interrupted.push(execution);
  }
  const approvalsResumed = Promise.all(approvals.map((plan) => resume!(plan)));
  const resumed: ExecutionResume[] = [];
  for (const plan of inAdmissionOrder(inLines)) {
    const id = plan.execution.pipelineExecutionId;
    // Superseded meanwhile by a newer waiter that went back first.
    if ((await deps.store.getExecution(id))?.status !== 'InProgress') continue;
    // Admitted by the dead process, its stage not yet recorded: it enters again rather than wait for itself.
    await deps.locks.release(plan.execution.pipelineName, plan.stage, id);
    if (await resume!(plan)) resumed.push(plan);
  }
  for (const execution of interrupted) {
    if (execution.status === 'Stopping') await endExecution(deps, pipelineRefOf(execution), 'Stopped', execution.statusSummary ?? INTERRUPTED);
    else await failInterrupted(deps, execution);
  }
  const waiting = await approvalsResumed;
  return [...approvals.filter((_, index) => waiting[index]), ...resumed];
}

/**
 * Ends an interrupted execution Failed, retryable (RetryStageExecution retries a failed stage) at
 * the stage it was in or entering: a stage in progress fails with it (endExecution). One that died
 * between stages, waiting in front of the next or on its way there, has no such stage: the stage
 * it was entering, which has no record yet, is the one that fails.
 */
async function failInterrupted(deps: ExecutionDependencies, execution: PipelineExecutionRecord): Promise<void> {
  const pipeline = pipelineRefOf(execution);
  const [stages, version] = await Promise.all([
    deps.store.listStages(execution.pipelineExecutionId),
    deps.store.getPipeline(execution.pipelineName, execution.pipelineVersion),
  ]);
  const inStage = stages.some((stage) => stage.status === 'InProgress' || stage.status === 'Stopping' || stage.status === 'Failed');
  // A rollback runs its stage alone: that is the one it was entering.
  const ahead = execution.rolledBackStage ? [execution.rolledBackStage] : (version?.declaration.stages.map((declared) => declared.name) ?? []);
  const entering = !inStage && ahead.find((name) => !stages.some((stage) => stage.stageName === name));
  if (entering) {
    const now = deps.clock().toISOString();
    await deps.store.putStage({
      pipelineExecutionId: execution.pipelineExecutionId,
      stageName: entering,
      status: 'Failed',
      startTime: now,
      lastUpdateTime: now,
    });
    await publishStageState(deps, pipeline, { stage: entering, state: 'FAILED' });
  }
  await endExecution(deps, pipeline, 'Failed', INTERRUPTED);
}

/** Each line's waiters in the order it admits them, then those that had not joined it yet. */
function inAdmissionOrder(plans: StageResume[]): StageResume[] {
  const order = (plan: StageResume) => (plan.place ? (plan.place.mode === 'SUPERSEDED' ? -plan.place.ticket : plan.place.ticket) : Infinity);
  return [...plans].sort((one, other) => order(one) - order(other));
}

/**
 * Resumes a waiting execution in the background, on an engine of this process: true once each of
 * its approvals waits again, or once it stands in its stage's line again (or has entered the
 * stage); false if it ended first (a resume that failed is told to `warn`).
 */
export function resumeWaiting(deps: ApprovalDependencies, engine: ResumingEngine, plan: ExecutionResume, warn: (message: string) => void): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    let waiting = 0;
    const onApproval = () => {
      waiting += 1;
      if (waitsForApprovals(plan) && waiting === plan.approvals.length) resolve(true);
    };
    resumeOnEngine(deps, engine, plan, { onApproval })
      .then(async ({ ended }) => {
        if (!waitsForApprovals(plan)) resolve(await backInLine(deps, plan, ended));
        return ended;
      })
      .then(
        () => resolve(false),
        (error: unknown) => {
          warn(`resuming execution ${plan.execution.pipelineExecutionId} failed: ${error instanceof Error ? error.message : String(error)}`);
          resolve(false);
        },
      );
  });
}

/** How often a resumed execution's line is read until its enter step has joined it again: a few milliseconds' work. */
const REJOIN_POLL_MS = 20;

/**
 * True once the resumed enter step has joined the stage's line with its new token (its old place,
 * if it had one), or has been admitted; false if the run ended first.
 */
async function backInLine(deps: ExecutionDependencies, plan: StageResume, ended: Promise<unknown>): Promise<boolean> {
  let over = false;
  void ended.then(
    () => (over = true),
    () => (over = true),
  );
  const id = plan.execution.pipelineExecutionId;
  for (;;) {
    const line = await deps.locks.read(plan.execution.pipelineName, plan.stage);
    const mine = line.waiters.find((waiter) => waiter.executionId === id);
    if (mine ? mine.taskToken !== plan.place?.taskToken : (await deps.store.listStages(id)).some((stage) => stage.stageName === plan.stage)) return true;
    if (over) return false;
    await sleep(REJOIN_POLL_MS);
  }
}

/** What a process that resumed an execution tells: where each of its approvals waits, or which stage it waits to enter. */
export function resumedNotice(plan: ExecutionResume, approvalUrl: (approvalId: string) => string): string {
  const resumed = `Resumed execution ${plan.execution.pipelineExecutionId} of ${plan.execution.pipelineName}`;
  if (!waitsForApprovals(plan)) return `${resumed}: waiting to enter ${plan.stage}${plan.place ? ` (ticket ${plan.place.ticket})` : ''}`;
  const waiting = plan.approvals.map((approval) => `${approval.stageName}/${approval.actionName} ${approvalUrl(approval.approvalId)}`).join(', ');
  return `${resumed}: waiting for approval: ${waiting}`;
}
