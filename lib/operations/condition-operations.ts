import { ruleCatalog } from '../actions/rule-registry';
import type { AuditSubject } from '../core/audit';
import { ConditionNotOverridableError, PipelineExecutionNotFoundError, StageNotFoundError, ValidationError } from '../core/errors';
import { pageOf, type Page, type PageRequest } from '../core/pages';
import { OVERRIDABLE, type ConditionType } from '../core/rules';
import type { ExecutionStore, RuleExecutionRecord } from '../ports/execution-store';
import { toArtifactDetails, type ArtifactDetail } from './action-executions';
import type { PipelineDescription } from './sluice-api';

/** OverrideStageCondition's request. */
export interface OverrideConditionRequest {
  pipelineName: string;
  stageName: string;
  pipelineExecutionId: string;
  /** BEFORE_ENTRY or ON_SUCCESS; anything else is refused as CodePipeline refuses it. */
  conditionType: string;
}

/** ListRuleTypes's answer: one rule type, as CodePipeline's RuleType shape has it. */
export interface RuleTypeDescription {
  id: { category: 'Rule'; owner: 'AWS'; provider: string; version: string };
  ruleConfigurationProperties: { name: string; required: boolean; key: boolean; secret: boolean; description: string; type: 'String' }[];
  inputArtifactDetails: { minimumCount: number; maximumCount: number };
}

/** ListRuleExecutions's request: a pipeline's rule runs, of one execution or all of them. */
export interface RuleExecutionsRequest extends PageRequest {
  pipelineName: string;
  pipelineExecutionId?: string;
}

/** One rule's run, as CodePipeline's RuleExecutionDetail has it. */
export type RuleExecutionDetail = Omit<RuleExecutionRecord, 'summary' | 'externalExecutionId' | 'input'> & {
  input: Omit<RuleExecutionRecord['input'], 'inputArtifacts'> & { inputArtifacts: ArtifactDetail[] };
  pipelineExecutionId: string;
  pipelineVersion: number;
  stageName: string;
  output?: { executionResult: { externalExecutionSummary?: string; externalExecutionId?: string } };
};

/** How many rule executions one page holds at most, and when the caller does not say; how many executions are looked through. */
const RULE_PAGES = { max: 100, default: 100 };
const RULE_HISTORY = 100;

/** What the condition operations read and record through, from the operations that serve them. */
export interface ConditionOperationsContext {
  store: ExecutionStore;
  getPipeline(name: string): Promise<PipelineDescription>;
  recorded(subject: AuditSubject): Promise<{ who: string; time: string }>;
}

/**
 * OverrideStageCondition: a condition whose rules are being evaluated passes at once, as CodePipeline
 * lets a blocked execution enter or leave the stage; its rules in progress are abandoned. Recorded
 * in the audit trail. A condition that is not being evaluated has nothing to override.
 */
export async function overrideStageCondition(context: ConditionOperationsContext, request: OverrideConditionRequest): Promise<void> {
  const { pipelineName, stageName, pipelineExecutionId, conditionType } = request;
  if (!(OVERRIDABLE as readonly string[]).includes(conditionType)) {
    throw new ValidationError(`conditionType must be ${OVERRIDABLE.join(' or ')}, not ${JSON.stringify(conditionType)}.`);
  }
  const stages = (await context.getPipeline(pipelineName)).declaration.stages.map((stage) => stage.name);
  if (!stages.includes(stageName)) throw new StageNotFoundError(`Pipeline ${pipelineName} has no stage ${stageName}; its stages are ${stages.join(', ')}.`);
  const execution = await context.store.getExecution(pipelineExecutionId);
  if (execution?.pipelineName !== pipelineName) throw new PipelineExecutionNotFoundError(`Pipeline ${pipelineName} has no execution ${pipelineExecutionId}.`);
  const record = await context.recorded({ operation: 'OverrideStageCondition', pipelineName, pipelineExecutionId, stageName, parameters: { conditionType } });
  if (!(await context.store.overrideCondition(pipelineExecutionId, stageName, conditionType as ConditionType, { by: record.who, at: record.time }))) {
    throw new ConditionNotOverridableError(
      `The ${conditionType} condition of stage ${stageName} is not being evaluated in execution ${pipelineExecutionId}; only a condition in progress can be overridden.`,
    );
  }
}

/** ListRuleTypes: the rule providers Sluice has, all of owner AWS. */
export function listRuleTypes(ruleOwnerFilter?: string): RuleTypeDescription[] {
  if (ruleOwnerFilter !== undefined && ruleOwnerFilter !== 'AWS')
    throw new ValidationError(`ruleOwnerFilter must be AWS, not ${JSON.stringify(ruleOwnerFilter)}.`);
  return [...ruleCatalog.values()].map((spec) => ({
    id: { category: 'Rule', owner: 'AWS', provider: spec.provider, version: spec.version },
    ruleConfigurationProperties: spec.configuration.map((key) => ({
      name: key.name,
      required: key.required,
      key: false,
      secret: false,
      description: key.description.slice(0, 160),
      type: 'String',
    })),
    inputArtifactDetails: { minimumCount: spec.inputArtifacts.min, maximumCount: spec.inputArtifacts.max },
  }));
}

/** ListRuleExecutions: the rule runs of a pipeline's executions, newest execution first, or of the one named. */
export async function listRuleExecutions(context: ConditionOperationsContext, request: RuleExecutionsRequest): Promise<Page<RuleExecutionDetail>> {
  const { pipelineName, pipelineExecutionId } = request;
  await context.getPipeline(pipelineName);
  let executions = await context.store.listExecutions(pipelineName, RULE_HISTORY);
  if (pipelineExecutionId !== undefined) {
    executions = executions.filter((execution) => execution.pipelineExecutionId === pipelineExecutionId);
    if (executions.length === 0) throw new PipelineExecutionNotFoundError(`Pipeline ${pipelineName} has no execution ${pipelineExecutionId}.`);
  }
  const details = (await Promise.all(executions.map((execution) => context.store.listConditions(execution.pipelineExecutionId)))).flat().flatMap((condition) =>
    condition.rules.map(({ summary, externalExecutionId, ...rule }): RuleExecutionDetail => {
      const result = { ...(summary ? { externalExecutionSummary: summary } : {}), ...(externalExecutionId ? { externalExecutionId } : {}) };
      return {
        ...rule,
        input: { ...rule.input, inputArtifacts: toArtifactDetails(rule.input.inputArtifacts) },
        pipelineExecutionId: condition.pipelineExecutionId,
        pipelineVersion: condition.pipelineVersion,
        stageName: condition.stageName,
        ...(Object.keys(result).length > 0 ? { output: { executionResult: result } } : {}),
      };
    }),
  );
  return pageOf(details, request, (detail) => detail.ruleExecutionId, RULE_PAGES);
}
