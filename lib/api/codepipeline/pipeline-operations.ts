import type {
  ArtifactRevision,
  DeletePipelineInput,
  DisableStageTransitionInput,
  EnableStageTransitionInput,
  GetPipelineExecutionInput,
  GetPipelineExecutionOutput,
  GetPipelineInput,
  GetPipelineOutput,
  GetPipelineStateInput,
  GetPipelineStateOutput,
  ListPipelineExecutionsInput,
  ListPipelineExecutionsOutput,
  ListPipelinesInput,
  ListPipelinesOutput,
  PipelineDeclaration as WirePipelineDeclaration,
  PipelineExecutionSummary,
  PutApprovalResultInput,
  PutApprovalResultOutput,
  RetryStageExecutionInput,
  RetryStageExecutionOutput,
  RollbackStageInput,
  RollbackStageOutput,
  UpdatePipelineInput,
  UpdatePipelineOutput,
} from '@aws-sdk/client-codepipeline';
import type { PipelineDeclaration } from '../../core/declaration';
import { BadInputError, PipelineExecutionNotFoundError } from '../../core/errors';
import type { ExecutionDetail, PipelineDescription, SluiceApi, StageTransitionRequest } from '../../operations/sluice-api';
import type { PipelineExecutionRecord } from '../../ports/execution-store';
import { wireConditionState } from './condition-operations';
import { inputMembers, type InputMembers } from './input-members';

/** CodePipeline's default when a declaration does not say how executions follow each other. */
const DEFAULT_EXECUTION_MODE = 'SUPERSEDED';
/** An execution's type, and a rollback's target, as PipelineExecution and its summary have them. */
function executionTypeOf(execution: PipelineExecutionRecord): Pick<PipelineExecutionSummary, 'executionType' | 'rollbackMetadata'> {
  if (execution.executionType !== 'ROLLBACK') return { executionType: 'STANDARD' };
  return { executionType: 'ROLLBACK', ...(execution.rollbackMetadata ? { rollbackMetadata: execution.rollbackMetadata } : {}) };
}

/** The source action outputs a revision is read from, in the order CodePipeline's providers give them. */
const REVISION_ID_VARIABLES = ['CommitId', 'VersionId', 'ETag'];

const date = (iso: string): Date => new Date(iso);

/** Sluice's declaration is CodePipeline's structure, field for field. */
const wireDeclaration = (declaration: PipelineDeclaration): WirePipelineDeclaration => declaration as unknown as WirePipelineDeclaration;

function declarationOf(input: unknown): PipelineDeclaration {
  return inputMembers(input).object('pipeline') as unknown as PipelineDeclaration;
}

const pageOf = (input: unknown) => {
  const members = inputMembers(input);
  const maxResults = members.optionalInteger('maxResults');
  const nextToken = members.optionalString('nextToken');
  return { ...(maxResults !== undefined ? { maxResults } : {}), ...(nextToken !== undefined ? { nextToken } : {}) };
};

/** GetPipeline's metadata: the ARN, when the pipeline was created, and when this version was made. */
const metadataOf = (pipeline: PipelineDescription) => ({
  pipelineArn: pipeline.pipelineArn,
  created: date(pipeline.pipelineCreated),
  updated: date(pipeline.created),
});

/** The execution `pipelineExecutionId`, once it is known to be an execution of `pipelineName`. */
async function executionOf(api: SluiceApi, pipelineName: string, pipelineExecutionId: string): Promise<ExecutionDetail> {
  await api.getPipeline(pipelineName);
  const detail = await api.getPipelineExecution(pipelineExecutionId);
  if (detail.execution.pipelineName !== pipelineName) {
    throw new PipelineExecutionNotFoundError(
      `Pipeline ${pipelineName} has no execution ${pipelineExecutionId}; it is an execution of ${detail.execution.pipelineName}.`,
    );
  }
  return detail;
}

/** The revisions an execution's source actions fetched: one for each artifact they put out. */
function artifactRevisions({ actions }: ExecutionDetail): ArtifactRevision[] {
  return actions
    .filter((action) => action.input.actionTypeId.category === 'Source' && action.output)
    .flatMap(({ output }) => {
      const variables = output!.outputVariables;
      const revisionId = REVISION_ID_VARIABLES.map((name) => variables[name]).find((value) => value !== undefined);
      const url = output!.executionResult?.externalExecutionUrl;
      return output!.outputArtifacts.map((artifact) => ({
        name: artifact.name,
        ...(revisionId ? { revisionId } : {}),
        ...(variables.CommitMessage ? { revisionSummary: variables.CommitMessage } : {}),
        ...(url ? { revisionUrl: url } : {}),
      }));
    });
}

/** The mode an execution ran in: its pipeline version's. */
async function executionModes(api: SluiceApi, name: string, versions: number[]): Promise<Map<number, string>> {
  const distinct = [...new Set(versions)];
  const declarations = await Promise.all(distinct.map((version) => api.getPipeline(name, version)));
  return new Map(declarations.map((pipeline) => [pipeline.version, pipeline.declaration.executionMode ?? DEFAULT_EXECUTION_MODE]));
}

function executionSummary(execution: PipelineExecutionRecord, executionMode: string): PipelineExecutionSummary {
  return {
    pipelineExecutionId: execution.pipelineExecutionId,
    status: execution.status,
    ...(execution.statusSummary ? { statusSummary: execution.statusSummary } : {}),
    startTime: date(execution.startTime),
    lastUpdateTime: date(execution.lastUpdateTime),
    ...(execution.sourceRevisions?.length
      ? { sourceRevisions: execution.sourceRevisions.map((revision) => ({ actionName: revision.actionName, revisionId: revision.revisionValue })) }
      : {}),
    trigger: execution.trigger,
    executionMode: executionMode as PipelineExecutionSummary['executionMode'],
    ...executionTypeOf(execution),
  };
}

/** The transition that DisableStageTransition and EnableStageTransition name; its type is checked by the operation. */
const transitionOf = (members: InputMembers): StageTransitionRequest => ({
  pipelineName: members.string('pipelineName'),
  stageName: members.string('stageName'),
  transitionType: members.string('transitionType'),
});

/** An approval's summary: required, as in CodePipeline, though it may be empty. */
function summaryOf(result: ReturnType<typeof inputMembers>): string {
  const summary = result.optionalString('summary');
  if (summary === undefined) throw new BadInputError('result needs summary, a string (it may be empty).');
  return summary;
}

/** CodePipeline's operations on pipelines, their state and their history, over the SluiceApi. */
export const PIPELINE_OPERATIONS = {
  GetPipeline: async (api: SluiceApi, input: GetPipelineInput): Promise<GetPipelineOutput> => {
    const members = inputMembers(input);
    const pipeline = await api.getPipeline(members.string('name'), members.optionalInteger('version'));
    return { pipeline: wireDeclaration(pipeline.declaration), metadata: metadataOf(pipeline) };
  },

  ListPipelines: async (api: SluiceApi, input: ListPipelinesInput): Promise<ListPipelinesOutput> => {
    const { items, nextToken } = await api.listPipelines(pageOf(input));
    return {
      pipelines: items.map((pipeline) => ({
        name: pipeline.name,
        version: pipeline.version,
        pipelineType: pipeline.declaration.pipelineType ?? 'V1',
        executionMode: pipeline.declaration.executionMode ?? DEFAULT_EXECUTION_MODE,
        created: date(pipeline.pipelineCreated),
        updated: date(pipeline.created),
      })),
      ...(nextToken ? { nextToken } : {}),
    };
  },

  UpdatePipeline: async (api: SluiceApi, input: UpdatePipelineInput): Promise<UpdatePipelineOutput> => {
    const updated = await api.updatePipeline(declarationOf(input));
    return { pipeline: wireDeclaration(updated.declaration) };
  },

  DeletePipeline: async (api: SluiceApi, input: DeletePipelineInput): Promise<Record<string, never>> => {
    await api.deletePipeline(inputMembers(input).string('name'));
    return {};
  },

  GetPipelineState: async (api: SluiceApi, input: GetPipelineStateInput): Promise<GetPipelineStateOutput> => {
    const name = inputMembers(input).string('name');
    const [state, pipeline] = await Promise.all([api.getPipelineState(name), api.getPipeline(name)]);
    return {
      pipelineName: state.pipelineName,
      pipelineVersion: state.pipelineVersion,
      stageStates: state.stageStates.map(({ inboundTransitionState: transition, ...stage }) => ({
        stageName: stage.stageName,
        inboundTransitionState: transition.enabled ? transition : { ...transition, lastChangedAt: date(transition.lastChangedAt) },
        ...(stage.inboundExecutions ? { inboundExecution: stage.inboundExecution, inboundExecutions: stage.inboundExecutions } : {}),
        ...(stage.latestExecution ? { latestExecution: stage.latestExecution } : {}),
        ...(stage.retryStageMetadata ? { retryStageMetadata: stage.retryStageMetadata } : {}),
        ...(stage.beforeEntryConditionState ? { beforeEntryConditionState: wireConditionState(stage.beforeEntryConditionState) } : {}),
        ...(stage.onSuccessConditionState ? { onSuccessConditionState: wireConditionState(stage.onSuccessConditionState) } : {}),
        ...(stage.onFailureConditionState ? { onFailureConditionState: wireConditionState(stage.onFailureConditionState) } : {}),
        actionStates: stage.actionStates.map((action) => {
          if (!action.latestExecution) return { actionName: action.actionName };
          // The approver's record is Sluice's own; CodePipeline's state has no place for it.
          const { lastStatusChange, approvalDecision: _, ...latest } = action.latestExecution;
          return { actionName: action.actionName, latestExecution: { ...latest, lastStatusChange: date(lastStatusChange) } };
        }),
      })),
      created: date(pipeline.pipelineCreated),
      updated: date(pipeline.created),
    };
  },

  GetPipelineExecution: async (api: SluiceApi, input: GetPipelineExecutionInput): Promise<GetPipelineExecutionOutput> => {
    const members = inputMembers(input);
    const detail = await executionOf(api, members.string('pipelineName'), members.string('pipelineExecutionId'));
    const { execution } = detail;
    const modes = await executionModes(api, execution.pipelineName, [execution.pipelineVersion]);
    return {
      pipelineExecution: {
        pipelineName: execution.pipelineName,
        pipelineVersion: execution.pipelineVersion,
        pipelineExecutionId: execution.pipelineExecutionId,
        status: execution.status,
        ...(execution.statusSummary ? { statusSummary: execution.statusSummary } : {}),
        artifactRevisions: artifactRevisions(detail),
        variables: Object.entries(execution.variables).map(([name, resolvedValue]) => ({ name, resolvedValue })),
        trigger: execution.trigger,
        executionMode: modes.get(execution.pipelineVersion) as PipelineExecutionSummary['executionMode'],
        ...executionTypeOf(execution),
      },
    };
  },

  ListPipelineExecutions: async (api: SluiceApi, input: ListPipelineExecutionsInput): Promise<ListPipelineExecutionsOutput> => {
    const members = inputMembers(input);
    const name = members.string('pipelineName');
    const filter = members.optionalObject('filter');
    const succeededInStage = filter && inputMembers(inputMembers(filter, 'filter').object('succeededInStage'), 'filter.succeededInStage').string('stageName');
    const { items, nextToken } = await api.listPipelineExecutions(name, { ...pageOf(input), ...(succeededInStage ? { succeededInStage } : {}) });
    const modes = await executionModes(
      api,
      name,
      items.map((execution) => execution.pipelineVersion),
    );
    return {
      pipelineExecutionSummaries: items.map((execution) => executionSummary(execution, modes.get(execution.pipelineVersion)!)),
      ...(nextToken ? { nextToken } : {}),
    };
  },

  DisableStageTransition: async (api: SluiceApi, input: DisableStageTransitionInput): Promise<Record<string, never>> => {
    const members = inputMembers(input);
    await api.disableStageTransition({ ...transitionOf(members), reason: members.string('reason') });
    return {};
  },

  RetryStageExecution: async (api: SluiceApi, input: RetryStageExecutionInput): Promise<RetryStageExecutionOutput> => {
    const members = inputMembers(input);
    return api.retryStageExecution({
      pipelineName: members.string('pipelineName'),
      stageName: members.string('stageName'),
      pipelineExecutionId: members.string('pipelineExecutionId'),
      retryMode: members.string('retryMode'),
    });
  },

  RollbackStage: async (api: SluiceApi, input: RollbackStageInput): Promise<RollbackStageOutput> => {
    const members = inputMembers(input);
    return api.rollbackStage({
      pipelineName: members.string('pipelineName'),
      stageName: members.string('stageName'),
      targetPipelineExecutionId: members.string('targetPipelineExecutionId'),
    });
  },

  EnableStageTransition: async (api: SluiceApi, input: EnableStageTransitionInput): Promise<Record<string, never>> => {
    await api.enableStageTransition(transitionOf(inputMembers(input)));
    return {};
  },

  PutApprovalResult: async (api: SluiceApi, input: PutApprovalResultInput): Promise<PutApprovalResultOutput> => {
    const members = inputMembers(input);
    const result = inputMembers(members.object('result'), 'result');
    const status = result.string('status');
    if (status !== 'Approved' && status !== 'Rejected') throw new BadInputError(`result.status must be Approved or Rejected, not "${status}".`);
    const { approvedAt } = await api.putApprovalResult({
      pipelineName: members.string('pipelineName'),
      stageName: members.string('stageName'),
      actionName: members.string('actionName'),
      token: members.string('token'),
      result: { status, summary: summaryOf(result) },
    });
    return { approvedAt: date(approvedAt) };
  },
};
