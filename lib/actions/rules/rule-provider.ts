import type { ActionContext } from '../action-provider';
import type { RuleDeclaration, RuleSpec } from '../../core/rules';
import type { AlarmStates, FunctionInvoker } from '../../ports/rule-services';

/** What a rule gets to check: its declaration with variables resolved, and what it may call. */
export interface RuleContext extends Omit<ActionContext, 'action' | 'sourceRevision' | 'sourceRevisionType'> {
  rule: RuleDeclaration;
  clock: () => Date;
  /** CloudWatch's alarms, where an endpoint or the AWS stack has them. */
  alarms?: AlarmStates;
  /** Lambda's functions, likewise. */
  lambdaFunctions?: FunctionInvoker;
}

/** How a rule ended: passed or failed, and why, as RuleExecution's summary says it. */
export interface RuleOutcome {
  passed: boolean;
  summary: string;
  externalExecutionId?: string;
}

/** One rule provider: what it accepts, and how it checks. */
export interface RuleProvider {
  spec: RuleSpec;
  check(context: RuleContext): Promise<RuleOutcome>;
}
