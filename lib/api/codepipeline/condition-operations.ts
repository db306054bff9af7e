import type {
  ListRuleExecutionsInput,
  ListRuleExecutionsOutput,
  ListRuleTypesInput,
  ListRuleTypesOutput,
  OverrideStageConditionInput,
  StageConditionState as WireStageConditionState,
} from '@aws-sdk/client-codepipeline';
import type { StageConditionState } from '../../core/condition-state';
import type { SluiceApi } from '../../operations/sluice-api';
import { inputMembers } from './input-members';

const date = (iso: string): Date => new Date(iso);

/** A stage's condition state on the wire: its times as Dates. */
export function wireConditionState(state: StageConditionState): WireStageConditionState {
  return {
    latestExecution: state.latestExecution,
    conditionStates: state.conditionStates.map((condition) => ({
      latestExecution: { ...condition.latestExecution, lastStatusChange: date(condition.latestExecution.lastStatusChange) },
      ruleStates: condition.ruleStates.map((rule) => ({
        ruleName: rule.ruleName,
        latestExecution: { ...rule.latestExecution, lastStatusChange: date(rule.latestExecution.lastStatusChange) },
      })),
    })),
  };
}

/** Stage conditions' operations of CodePipeline's API: overriding one, and the rules' types and runs. */
export const CONDITION_OPERATIONS = {
  OverrideStageCondition: async (api: SluiceApi, input: OverrideStageConditionInput): Promise<Record<string, never>> => {
    const members = inputMembers(input);
    await api.overrideStageCondition({
      pipelineName: members.string('pipelineName'),
      stageName: members.string('stageName'),
      pipelineExecutionId: members.string('pipelineExecutionId'),
      conditionType: members.string('conditionType'),
    });
    return {};
  },

  ListRuleTypes: async (api: SluiceApi, input: ListRuleTypesInput): Promise<ListRuleTypesOutput> => {
    return { ruleTypes: await api.listRuleTypes(inputMembers(input).optionalString('ruleOwnerFilter')) };
  },

  ListRuleExecutions: async (api: SluiceApi, input: ListRuleExecutionsInput): Promise<ListRuleExecutionsOutput> => {
    const members = inputMembers(input);
    const filter = members.optionalObject('filter');
    const pipelineExecutionId = filter && inputMembers(filter, 'filter').optionalString('pipelineExecutionId');
    const maxResults = members.optionalInteger('maxResults');
    const nextToken = members.optionalString('nextToken');
    const { items, nextToken: next } = await api.listRuleExecutions({
      pipelineName: members.string('pipelineName'),
      ...(pipelineExecutionId ? { pipelineExecutionId } : {}),
      ...(maxResults !== undefined ? { maxResults } : {}),
      ...(nextToken !== undefined ? { nextToken } : {}),
    });
    return {
      ruleExecutionDetails: items.map((detail) => ({ ...detail, startTime: date(detail.startTime), lastUpdateTime: date(detail.lastUpdateTime) })),
      ...(next ? { nextToken: next } : {}),
    };
  },
};
