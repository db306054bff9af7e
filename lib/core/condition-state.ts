import type { ConditionStatus, ConditionType, RuleStatus } from './rules';

/** A condition's evaluation as GetPipelineState reads it from the execution's records. */
export interface ConditionParts {
  stageName: string;
  conditionType: ConditionType;
  status: ConditionStatus;
  summary?: string;
  lastStatusChange: string;
  rules: { ruleName: string; ruleExecutionId: string; status: RuleStatus; summary?: string; lastUpdateTime: string; externalExecutionId?: string }[];
}

/** CodePipeline's StageConditionState: the stage's condition of one kind, and each of its rules. */
export interface StageConditionState {
  latestExecution: { status: ConditionStatus; summary?: string };
  conditionStates: {
    latestExecution: { status: ConditionStatus; summary?: string; lastStatusChange: string };
    ruleStates: {
      ruleName: string;
      latestExecution: { ruleExecutionId: string; status: RuleStatus; summary?: string; lastStatusChange: string; externalExecutionId?: string };
    }[];
  }[];
}

export type ConditionStates = Partial<Record<'beforeEntryConditionState' | 'onSuccessConditionState' | 'onFailureConditionState', StageConditionState>>;

const FIELDS: Record<ConditionType, keyof ConditionStates> = {
  BEFORE_ENTRY: 'beforeEntryConditionState',
  ON_SUCCESS: 'onSuccessConditionState',
  ON_FAILURE: 'onFailureConditionState',
};

/** The stage's conditions as its latest execution evaluated them, in GetPipelineState's fields. */
export function conditionStates(stageName: string, conditions: readonly ConditionParts[] = []): ConditionStates {
  return Object.fromEntries(
    conditions
      .filter((condition) => condition.stageName === stageName)
      .map((condition): [keyof ConditionStates, StageConditionState] => {
        const summary = condition.summary ? { summary: condition.summary } : {};
        return [
          FIELDS[condition.conditionType],
          {
            latestExecution: { status: condition.status, ...summary },
            conditionStates: [
              {
                latestExecution: { status: condition.status, ...summary, lastStatusChange: condition.lastStatusChange },
                ruleStates: condition.rules.map((rule) => ({
                  ruleName: rule.ruleName,
                  latestExecution: {
                    ruleExecutionId: rule.ruleExecutionId,
                    status: rule.status,
                    ...(rule.summary ? { summary: rule.summary } : {}),
                    lastStatusChange: rule.lastUpdateTime,
                    ...(rule.externalExecutionId ? { externalExecutionId: rule.externalExecutionId } : {}),
                  },
                })),
              },
            ],
          },
        ];
      }),
  );
}
