import { cloudWatchAlarm } from './rules/cloudwatch-alarm';
import { commandsRule } from './rules/commands-rule';
import { deploymentWindow } from './rules/deployment-window';
import { lambdaInvokeRule } from './rules/lambda-invoke-rule';
import type { RuleProvider } from './rules/rule-provider';
import { variableCheck } from './rules/variable-check';

/** Every rule provider Sluice has, with its check, by provider name (all are category Rule, owner AWS): what the action runner checks conditions with. */
export const ruleProviders: ReadonlyMap<string, RuleProvider> = new Map(
  [variableCheck, deploymentWindow, commandsRule, cloudWatchAlarm, lambdaInvokeRule].map((rule) => [rule.spec.provider, rule]),
);
