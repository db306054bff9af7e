import type { PipelineDeclaration } from './declaration';
import type { ActionExecutionStatus, PipelineExecutionStatus, StageExecutionStatus } from './status';

/** The records GetPipelineState is computed from: one execution with its stages and actions. */
export interface ExecutionParts {
  execution: { pipelineExecutionId: string; status: PipelineExecutionStatus; statusSummary?: string; startTime: string; lastUpdateTime: string };
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
}

export interface ApprovalDecisionView {
  status: string;
  approver: string;
  summary?: string;
  at: string;
  ip?: string;
  userAgent?: string;
}

/** CodePipeline's GetPipelineState answer. */
export interface PipelineState {
  pipelineName: string;
  pipelineVersion: number;
  stageStates: {
    stageName: string;
    inboundTransitionState: { enabled: boolean };
    latestExecution?: { pipelineExecutionId: string; status: StageExecutionStatus };
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
  }[];
}

/**
 * Each stage and action shows its latest execution, as in CodePipeline: a stage that the newest
 * execution has not reached shows the execution before it. `executions` is newest first.
 */
export function pipelineState(pipeline: PipelineDeclaration, version: number, executions: readonly ExecutionParts[]): PipelineState {
  return {
    pipelineName: pipeline.name,
    pipelineVersion: version,
    stageStates: pipeline.stages.map((stage) => {
      const latest = executions.find((parts) => parts.stages.some((entry) => entry.stageName === stage.name));
      const stageRecord = latest?.stages.find((entry) => entry.stageName === stage.name);
      return {
        stageName: stage.name,
        inboundTransitionState: { enabled: true },
        ...(latest && stageRecord ? { latestExecution: { pipelineExecutionId: latest.execution.pipelineExecutionId, status: stageRecord.status } } : {}),
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
