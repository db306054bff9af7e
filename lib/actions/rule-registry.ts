import type { RuleCatalog, RuleSpec } from '../core/rules';
import { cloudWatchAlarm } from './rules/cloudwatch-alarm';
import { commandsRuleSpec } from './rules/commands-rule-spec';
import { deploymentWindow } from './rules/deployment-window';
import { lambdaInvokeRule } from './rules/lambda-invoke-rule';
import { variableCheck } from './rules/variable-check';

/**
 * Every rule provider's spec, by provider name (all are category Rule, owner AWS): what validation
 * refuses by. The checks are in lib/actions/rule-providers.ts, which only the action runner loads.
 */
export const ruleCatalog: RuleCatalog = new Map<string, RuleSpec>(
  [variableCheck.spec, deploymentWindow.spec, commandsRuleSpec, cloudWatchAlarm.spec, lambdaInvokeRule.spec].map((spec) => [spec.provider, spec]),
);
