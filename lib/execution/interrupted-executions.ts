import type { ApprovalRecord } from '../ports/approval-store';
import type { InProcessEngine } from '../ports/engine';
import { planApprovalResume, type ApprovalResume } from './approval-resume';
import type { ApprovalDependencies } from './approvals';
import { endExecution } from './end-execution';
import { resumeOnEngine } from './start-on-engine';

export const INTERRUPTED = 'interrupted: the process running it ended before it finished';

/** An engine of this process that tells when a resumed approval waits again. */
type ResumingEngine = InProcessEngine<{ onApproval?: (approval: ApprovalRecord, url: string) => void }>;

/**
 * Takes over the executions that a dead process left InProgress: with `resume`, those only waiting
 * for Manual approvals are resumed (see resumeWaiting); every other one is marked Failed
 * ("interrupted"). Returns the plans of the executions resumed, once each of their approvals waits again.
 */
export async function takeOverInterrupted(deps: ApprovalDependencies, resume?: (plan: ApprovalResume) => Promise<boolean>): Promise<ApprovalResume[]> {
  const resumable: ApprovalResume[] = [];
  for (const execution of await deps.store.listExecutionsInProgress()) {
    const plan = resume ? await planApprovalResume(deps, execution).catch(() => undefined) : undefined;
    if (plan) {
      resumable.push(plan);
      continue;
    }
    const pipeline = {
      name: execution.pipelineName,
      version: execution.pipelineVersion,
      executionId: execution.pipelineExecutionId,
      variables: execution.variables,
    };
    await endExecution(deps, pipeline, 'Failed', INTERRUPTED);
  }
  const resumed = await Promise.all(resumable.map((plan) => resume!(plan)));
  return resumable.filter((_, index) => resumed[index]);
}

/**
 * Resumes a waiting execution in the background, on an engine of this process: true once each of
 * its approvals waits again, false if it ended first (a resume that failed is told to `warn`).
 */
export function resumeWaiting(deps: ApprovalDependencies, engine: ResumingEngine, plan: ApprovalResume, warn: (message: string) => void): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    let waiting = 0;
    const onApproval = () => {
      waiting += 1;
      if (waiting === plan.approvals.length) resolve(true);
    };
    resumeOnEngine(deps, engine, plan, { onApproval })
      .then(({ ended }) => ended)
      .then(
        () => resolve(false),
        (error: unknown) => {
          warn(`resuming execution ${plan.execution.pipelineExecutionId} failed: ${error instanceof Error ? error.message : String(error)}`);
          resolve(false);
        },
      );
  });
}

/** What a process that resumed an execution tells: where each of its approvals waits. */
export function resumedNotice(plan: ApprovalResume, approvalUrl: (approvalId: string) => string): string {
  const waiting = plan.approvals.map((approval) => `${approval.stageName}/${approval.actionName} ${approvalUrl(approval.approvalId)}`).join(', ');
  return `Resumed execution ${plan.execution.pipelineExecutionId} of ${plan.execution.pipelineName}: waiting for approval: ${waiting}`;
}
