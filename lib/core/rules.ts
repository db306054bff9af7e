import type { EndpointService } from './endpoints';
import type { ConfigurationKey, ConfigurationProblem, Runtime } from './providers';
import type { StageDeclaration } from './declaration';
import type { ArtifactLocation, PipelineRef, StageStepPayload } from './task-payloads';

/**
 * Stage conditions and the rules they run, as CodePipeline documents them: a condition holds up to
 * five rules and passes when every rule passes; when one fails, the condition's result engages.
 */

/** The AWS services a rule calls; locally such a rule needs an endpoint for its service. */
export type RuleService = Extract<EndpointService, 'cloudwatch' | 'lambda'>;

/** What Sluice knows about one rule provider: enough to validate a declaration that uses it. */
export interface RuleSpec {
  provider: string;
  version: string;
  description: string;
  configuration: readonly ConfigurationKey[];
  inputArtifacts: { min: number; max: number };
  /** The service the rule calls, if it calls AWS. */
  service?: RuleService;
  /** Whether the rule runs the declaration's `commands` (the Commands rule). */
  commands?: boolean;
  /** Every rule runs on both runtimes; those that call AWS need an endpoint locally (`service`). */
  runtimes: readonly Runtime[];
  checkConfiguration?(configuration: Readonly<Record<string, string>>): ConfigurationProblem[];
}

/** The rule providers, keyed by provider name: every rule is of category Rule and owner AWS. */
export type RuleCatalog = ReadonlyMap<string, RuleSpec>;

/** The kinds of condition a stage has, by the declaration's field and OverrideStageCondition's ConditionType. */
export const CONDITION_KINDS = {
  beforeEntry: 'BEFORE_ENTRY',
  onSuccess: 'ON_SUCCESS',
  onFailure: 'ON_FAILURE',
} as const;

export type ConditionKind = keyof typeof CONDITION_KINDS;
export type ConditionType = (typeof CONDITION_KINDS)[ConditionKind];
export type ConditionResult = 'ROLLBACK' | 'FAIL' | 'RETRY' | 'SKIP';

/**
 * The results CodePipeline's user guide allows for each kind ("Configure conditions for a stage"):
 * entry conditions FAIL or SKIP, success conditions ROLLBACK or FAIL, failure conditions ROLLBACK.
 */
export const ALLOWED_RESULTS: Record<ConditionKind, readonly ConditionResult[]> = {
  beforeEntry: ['FAIL', 'SKIP'],
  onSuccess: ['ROLLBACK', 'FAIL'],
  onFailure: ['ROLLBACK'],
};

/** OverrideStageCondition's condition types: CodePipeline overrides entry and success conditions only. */
export const OVERRIDABLE: readonly ConditionType[] = ['BEFORE_ENTRY', 'ON_SUCCESS'];

export type ConditionDeclaration = NonNullable<NonNullable<StageDeclaration['beforeEntry']>['conditions']>[number];
export type RuleDeclaration = NonNullable<ConditionDeclaration['rules']>[number];

/** CodePipeline's ConditionExecutionStatus. */
export type ConditionStatus = 'InProgress' | 'Failed' | 'Errored' | 'Succeeded' | 'Cancelled' | 'Abandoned' | 'Overridden';
/** CodePipeline's RuleExecutionStatus. */
export type RuleStatus = 'InProgress' | 'Abandoned' | 'Succeeded' | 'Failed';

/** The Task steps that evaluate a stage's conditions: before its actions, after they succeed, and once the stage has failed. */
export const CONDITION_STEPS = { beforeEntry: 'checkBeforeEntry', onSuccess: 'checkOnSuccess', onFailure: 'checkOnFailure' } as const;
export type ConditionStep = (typeof CONDITION_STEPS)[keyof typeof CONDITION_STEPS];

/** What a condition Task sends to its handler. */
export interface ConditionStepPayload {
  step: ConditionStep;
  pipeline: PipelineRef;
  stage: string;
  /** The stage before this one, whose line a skipped stage leaves. */
  previousStage?: string;
  /** Whether the stage is the pipeline's last: skipping it ends the execution. */
  final?: boolean;
  conditions: ConditionDeclaration[];
  /** The variables of each namespace the rules refer to. */
  namespaces: Record<string, Record<string, string>>;
  /** Where each input artifact the rules name is. */
  artifacts: Record<string, ArtifactLocation>;
  /** checkOnFailure: what failed the stage, as its failure step receives it. */
  error?: StageStepPayload['error'];
}

/** What a condition Task answers: whether the stage was skipped (an entry condition's SKIP). */
export interface ConditionStepResult {
  skipped: boolean;
}
