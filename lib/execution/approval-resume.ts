import { compileCatalog } from './compile-catalog';
import { resumeDefinition, type ExecutionInput, type ResultSlot, type ResumeDefinition } from '../core/compile';
import type { PipelineDeclaration } from '../core/declaration';
import { providerKey } from '../core/declaration-fields';
import type { ActionStepResult } from '../core/task-payloads';
import type { ApprovalRecord } from '../ports/approval-store';
import type { ActionExecutionRecord, PipelineExecutionRecord } from '../ports/execution-store';
import type { ApprovalDependencies } from './approvals';
import { pipelineRefOf } from './stage-entry';

const MANUAL_APPROVAL = 'Approval/AWS/Manual';

/** An execution that a dead process left waiting only for Manual approvals, and how to re-enter it. */
export interface ApprovalResume {
  execution: PipelineExecutionRecord;
  declaration: PipelineDeclaration;
  /** The definition that starts at the approvals' runOrder group. */
  resume: ResumeDefinition;
  /** The state input at that group, rebuilt from the records. */
  input: ExecutionInput;
  /** The pending approvals the group waits for, in the group's order. */
  approvals: ApprovalRecord[];
}

/**
 * Whether an InProgress execution can be resumed exactly: nothing but one runOrder group of
 * Manual approvals is in progress, the whole group, each with a pending, unexpired approval, and
 * every earlier action that keeps a result has succeeded. Undefined otherwise.
 */
export async function planApprovalResume(deps: ApprovalDependencies, execution: PipelineExecutionRecord): Promise<ApprovalResume | undefined> {
  const executionId = execution.pipelineExecutionId;
  const [actions, stages, version] = await Promise.all([
    deps.store.listActions(executionId),
    deps.store.listStages(executionId),
    deps.store.getPipeline(execution.pipelineName, execution.pipelineVersion),
  ]);
  const running = actions.filter((action) => action.status === 'InProgress');
  const first = running[0];
  if (!first || !version) return undefined;
  const stageName = first.stageName;
  if (running.some((action) => action.stageName !== stageName || !action.approval || providerKey(action.input.actionTypeId) !== MANUAL_APPROVAL))
    return undefined;
  const runningStages = stages.filter((stage) => stage.status === 'InProgress');
  if (runningStages.length !== 1 || runningStages[0]!.stageName !== stageName) return undefined;

  const resume = resumeDefinition(version.declaration, compileCatalog(deps), stageName, first.actionName);
  if (!resume) return undefined;
  const runningNames = new Set(running.map((action) => action.actionName));
  if (resume.group.length !== runningNames.size || resume.group.some((name) => !runningNames.has(name))) return undefined;

  const now = deps.clock().getTime();
  const approvals: ApprovalRecord[] = [];
  for (const name of resume.group) {
    const action = running.find((entry) => entry.actionName === name)!;
    const approval = await deps.approvals.getApproval(action.approval!.approvalId);
    if (!approval || approval.status !== 'Pending' || approval.pipelineExecutionId !== executionId || Date.parse(approval.expiresAt) <= now) return undefined;
    approvals.push(approval);
  }
  const input = resumeInput(execution, actions, resume.slots);
  if (!input) return undefined;
  return { execution, declaration: version.declaration, resume, input, approvals };
}

/** What a succeeded action's Task left in its result slot, rebuilt from its record; undefined for any other. */
export function slotResult(record: ActionExecutionRecord): ActionStepResult | undefined {
  if (record.status !== 'Succeeded' || !record.output) return undefined;
  return { artifacts: record.output.outputArtifacts.map((artifact) => artifact.s3location), variables: record.output.outputVariables };
}

/**
 * The state input at a resumed group: the pipeline ref, and in each result slot what the Task's
 * ResultSelector kept of the action (its artifacts and variables), rebuilt from its record.
 * Undefined when an action that should have written a slot has not succeeded.
 */
export function resumeInput(execution: PipelineExecutionRecord, actions: ActionExecutionRecord[], slots: ResultSlot[]): ExecutionInput | undefined {
  const results: Record<string, ActionStepResult> = {};
  for (const { stage, action, slot } of slots) {
    const record = actions.find((entry) => entry.stageName === stage && entry.actionName === action);
    const result = record && slotResult(record);
    if (!result) return undefined;
    results[slot] = result;
  }
  return {
    pipeline: { ...pipelineRefOf(execution), ...(execution.sourceRevisions ? { sourceRevisions: execution.sourceRevisions } : {}) },
    actions: results,
  };
}
