import { conditionStates, type ConditionParts, type ConditionStates } from './condition-state';
import type { PipelineDeclaration } from './declaration';
import type { ActionExecutionStatus, PipelineExecutionStatus, StageExecutionStatus, StageRetries } from './status';

/** The records GetPipelineState is computed from: one execution with its stages and actions. */
export interface ExecutionParts {
  execution: {
    pipelineExecutionId: string;
    status: PipelineExecutionStatus;
    statusSummary?: string;
    startTime: string;
    lastUpdateTime: string;
    stageRetries?: Record<string, StageRetries>;
  };
  stages: { stageName: string; status: StageExecutionStatus; startTime: string; lastUpdateTime: string }[];
  actions: {
    stageName: string;
    actionName: string;
    actionExecutionId: string;
    status: ActionExecutionStatus;
    lastUpdateTime: string;
    output?: { executionResult?: { externalExecutionId?: string; externalExecutionSummary?: string; externalExecutionUrl?: string } };
    errorDetails?: { code: string; message: string };
    approval?: { token: string; decision?: ApprovalDecisionView };
  }[];
  /** The evaluations of the stages' conditions, where the reader read them. */
  conditions?: ConditionParts[];
}

export interface ApprovalDecisionView {
  status: string;
  approver: string;
  summary?: string;
  at: string;
  ip?: string;
  userAgent?: string;
}

/** Who disabled a transition, when, and why. */
export interface DisabledTransitionView {
  disabledReason: string;
  lastChangedBy: string;
  lastChangedAt: string;
}

/** What stands in front of a stage: its disabled transitions, and the executions in line to enter it, in arrival order. */
export interface StageGate {
  transitions: Partial<Record<'Inbound' | 'Outbound', DisabledTransitionView>>;
  waiters: readonly { executionId: string }[];
}

/** An execution in line to enter a stage, as CodePipeline's StageExecution shows it. */
export interface InboundExecution {
  pipelineExecutionId: string;
  status: 'InProgress';
  type: 'STANDARD';
}

/** CodePipeline's GetPipelineState answer. */
export interface PipelineState {
  pipelineName: string;
  pipelineVersion: number;
  stageStates: (ConditionStates & {
    stageName: string;
    inboundTransitionState: { enabled: true } | ({ enabled: false } & DisabledTransitionView);
    /** The newest of inboundExecutions. */
    inboundExecution?: InboundExecution;
    /** The executions waiting to enter the stage, oldest first: at a disabled transition, or for the stage to be free. */
    inboundExecutions?: InboundExecution[];
    latestExecution?: { pipelineExecutionId: string; status: StageExecutionStatus };
    /** The retries of the stage in its latest execution, once it has been retried. */
    retryStageMetadata?: StageRetries;
    actionStates: {
      actionName: string;
      latestExecution?: {
        actionExecutionId: string;
        status: ActionExecutionStatus;
        summary?: string;
        lastStatusChange: string;
        externalExecutionId?: string;
        externalExecutionUrl?: string;
        errorDetails?: { code: string; message: string };
        /** A Manual approval's token, for PutApprovalResult, while it waits. */
        token?: string;
        /** Who decided a Manual approval, when, from where, and why. */
        approvalDecision?: ApprovalDecisionView;
      };
    }[];
  })[];
}

/**
 * The transition into a stage is disabled when its own Inbound transition is, or the previous
 * stage's Outbound one: either holds executions in front of it. Where both are, the stage's own
 * Inbound is the one shown.
 */
function inboundTransitionState(own: StageGate | undefined, previous: StageGate | undefined): PipelineState['stageStates'][number]['inboundTransitionState'] {
  const disabled = own?.transitions.Inbound ?? previous?.transitions.Outbound;
  if (!disabled) return { enabled: true };
  const { disabledReason, lastChangedBy, lastChangedAt } = disabled;
  return { enabled: false, disabledReason, lastChangedBy, lastChangedAt };
}

function inboundExecutions(gate: StageGate | undefined): Pick<PipelineState['stageStates'][number], 'inboundExecution' | 'inboundExecutions'> {
  const waiting = (gate?.waiters ?? []).map(({ executionId }): InboundExecution => ({
    pipelineExecutionId: executionId,
    status: 'InProgress',
    type: 'STANDARD',
  }));
  return waiting.length > 0 ? { inboundExecution: waiting.at(-1)!, inboundExecutions: waiting } : {};
}

/**
 * Each stage and action shows its latest execution, as in CodePipeline: a stage that the newest
 * execution has not reached shows the execution before it. `executions` is newest first. Each
 * stage's gate, by stage name, gives its transitions and the executions waiting in front of it.
 */
export function pipelineState(
  pipeline: PipelineDeclaration,
  version: number,
  executions: readonly ExecutionParts[],
  gates: ReadonlyMap<string, StageGate> = new Map(),
): PipelineState {
  return {
    pipelineName: pipeline.name,
    pipelineVersion: version,
    stageStates: pipeline.stages.map((stage, index) => {
      const latest = executions.find((parts) => parts.stages.some((entry) => entry.stageName === stage.name));
      const stageRecord = latest?.stages.find((entry) => entry.stageName === stage.name);
      const gate = gates.get(stage.name);
      return {
        stageName: stage.name,
        inboundTransitionState: inboundTransitionState(gate, index > 0 ? gates.get(pipeline.stages[index - 1]!.name) : undefined),
        ...inboundExecutions(gate),
        ...(latest && stageRecord ? { latestExecution: { pipelineExecutionId: latest.execution.pipelineExecutionId, status: stageRecord.status } } : {}),
        ...(latest?.execution.stageRetries?.[stage.name] ? { retryStageMetadata: latest.execution.stageRetries[stage.name] } : {}),
        ...conditionStates(stage.name, latest?.conditions),
        actionStates: stage.actions.map((action) => {
          const record = latest?.actions.find((entry) => entry.stageName === stage.name && entry.actionName === action.name);
          const result = record?.output?.executionResult;
          return {
            actionName: action.name,
            ...(record
              ? {
                  latestExecution: {
                    actionExecutionId: record.actionExecutionId,
                    status: record.status,
                    lastStatusChange: record.lastUpdateTime,
                    ...(result?.externalExecutionSummary ? { summary: result.externalExecutionSummary } : {}),
                    ...(result?.externalExecutionId ? { externalExecutionId: result.externalExecutionId } : {}),
                    ...(result?.externalExecutionUrl ? { externalExecutionUrl: result.externalExecutionUrl } : {}),
                    ...(record.errorDetails ? { errorDetails: record.errorDetails } : {}),
                    ...(record.approval && record.status === 'InProgress' ? { token: record.approval.token } : {}),
                    ...(record.approval?.decision ? { approvalDecision: record.approval.decision } : {}),
                  },
                }
              : {}),
          };
        }),
      };
    }),
  };
}
