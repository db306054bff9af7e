import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { ruleProviders } from '../actions/rule-providers';
import type { RuleOutcome } from '../actions/rules/rule-provider';
import { ConditionFailedError, ConditionRollbackError } from '../core/errors';
import {
  CONDITION_KINDS,
  CONDITION_STEPS,
  type ConditionDeclaration,
  type ConditionKind,
  type ConditionStatus,
  type ConditionStep,
  type ConditionStepPayload,
  type ConditionStepResult,
  type RuleDeclaration,
} from '../core/rules';
import { resolveVariables } from '../core/variables';
import type { ConditionExecutionRecord, RuleExecutionRecord } from '../ports/execution-store';
import { stepContext, variableValues } from './action-steps';
import type { ExecutionDependencies } from './dependencies';
import { publishPipelineState } from './publish';
import { leaveStage } from './stage-entry';
import { conditionRollsBack, endsExecution } from './stage-steps';

/** How often a condition being evaluated looks for an override (OverrideStageCondition). */
export const OVERRIDE_POLL_MS = 1000;

/** Each condition step's kind of condition. */
const KIND_OF_STEP = Object.fromEntries(Object.entries(CONDITION_STEPS).map(([kind, step]) => [step, kind])) as Record<ConditionStep, ConditionKind>;

/**
 * Evaluates a stage's conditions of one kind: every rule of every condition runs, in order, and a
 * condition passes when all its rules pass. A condition that fails engages its result: FAIL fails
 * the stage (ConditionFailedError, which the stage's Catch hands to its failure step); ROLLBACK
 * fails it so too (ConditionRollbackError), and the failure step rolls the stage back; SKIP leaves
 * the stage Skipped and the execution goes on to the next stage. A condition overridden while its
 * rules run passes at once, its running rules abandoned.
 *
 * A failure condition runs between the stage's failure and its failure step: its ROLLBACK hands
 * the step a ConditionRollbackError in place of the stage's error, and the step rolls the stage
 * back; when it passes, the step gets the stage's error and the failure stands.
 */
export async function checkConditions(deps: ExecutionDependencies, payload: ConditionStepPayload, signal: AbortSignal): Promise<ConditionStepResult> {
  const kind = KIND_OF_STEP[payload.step];
  if (kind === 'onFailure' && !decidesRollback(payload)) return { skipped: false };
  const conditionType = CONDITION_KINDS[kind];
  for (const condition of payload.conditions) {
    const record: ConditionExecutionRecord = {
      pipelineExecutionId: payload.pipeline.executionId,
      pipelineVersion: payload.pipeline.version,
      stageName: payload.stage,
      conditionType,
      status: 'InProgress',
      lastStatusChange: deps.clock().toISOString(),
      rules: [],
    };
    await deps.store.putCondition(record);
    const status = await evaluate(deps, payload, condition, record, signal);
    if (status !== 'Failed') continue;
    if (condition.result === 'SKIP') {
      await skipStage(deps, payload);
      return { skipped: true };
    }
    const failure = `The ${kind} condition of stage ${payload.stage} failed: ${record.summary}`;
    throw condition.result === 'ROLLBACK' ? new ConditionRollbackError(failure) : new ConditionFailedError(failure);
  }
  return { skipped: false };
}

/**
 * Whether a stage's failure condition has a rollback to decide: not when the execution is ending
 * (superseded, cancelled or stopped), nor when a success condition has decided on one already,
 * nor in a rollback, which does not roll back again (rollBackByItself).
 */
function decidesRollback({ pipeline, error }: ConditionStepPayload): boolean {
  return !pipeline.rollback && !endsExecution(error) && !conditionRollsBack(error);
}

/** Runs the condition's rules, watching for an override; records each rule's run and the condition's end. */
async function evaluate(
  deps: ExecutionDependencies,
  payload: ConditionStepPayload,
  condition: ConditionDeclaration,
  record: ConditionExecutionRecord,
  signal: AbortSignal,
): Promise<ConditionStatus> {
  const overridden = new AbortController();
  const watch = setInterval(() => {
    void deps.store.listConditions(record.pipelineExecutionId).then(
      (conditions) => {
        const stored = conditions.find((entry) => entry.stageName === record.stageName && entry.conditionType === record.conditionType);
        if (stored?.override) overridden.abort();
      },
      () => undefined,
    );
  }, OVERRIDE_POLL_MS);
  const ruleSignal = AbortSignal.any([signal, overridden.signal]);
  const failures: string[] = [];
  try {
    for (const rule of condition.rules ?? []) {
      if (ruleSignal.aborted) break;
      const run = startRule(deps, payload, rule);
      record.rules.push(run);
      await deps.store.putCondition(record);
      const outcome = await checkRule(deps, payload, rule, run, ruleSignal);
      if (ruleSignal.aborted) {
        Object.assign(run, {
          status: 'Abandoned',
          summary: 'The condition was overridden or stopped while the rule ran.',
          lastUpdateTime: deps.clock().toISOString(),
        });
        break;
      }
      Object.assign(run, {
        status: outcome.passed ? 'Succeeded' : 'Failed',
        summary: outcome.summary,
        lastUpdateTime: deps.clock().toISOString(),
        ...(outcome.externalExecutionId ? { externalExecutionId: outcome.externalExecutionId } : {}),
      });
      if (!outcome.passed) failures.push(`${rule.name}: ${outcome.summary}`);
      await deps.store.putCondition(record);
    }
  } finally {
    clearInterval(watch);
  }
  const status: ConditionStatus = overridden.signal.aborted ? 'Overridden' : signal.aborted ? 'Cancelled' : failures.length > 0 ? 'Failed' : 'Succeeded';
  const summary =
    { Overridden: 'The condition was overridden.', Cancelled: 'The evaluation was stopped.', Failed: failures.join('; ') }[status as string] ??
    'Every rule passed.';
  Object.assign(record, { status, summary, lastStatusChange: deps.clock().toISOString() });
  await deps.store.putCondition(record);
  if (status === 'Cancelled') signal.throwIfAborted();
  return status;
}

function startRule(deps: ExecutionDependencies, payload: ConditionStepPayload, rule: RuleDeclaration): RuleExecutionRecord {
  const values = variableValues(payload);
  const now = deps.clock().toISOString();
  const configuration = rule.configuration ?? {};
  return {
    ruleName: rule.name,
    ruleExecutionId: deps.newId(),
    status: 'InProgress',
    startTime: now,
    lastUpdateTime: now,
    input: {
      ruleTypeId: { category: 'Rule', owner: 'AWS', provider: rule.ruleTypeId.provider, version: rule.ruleTypeId.version ?? '1' },
      configuration,
      resolvedConfiguration: Object.fromEntries(Object.entries(configuration).map(([key, text]) => [key, resolveVariables(text, values)])),
      inputArtifacts: (rule.inputArtifacts ?? []).map(({ name }) => ({ name, s3location: payload.artifacts[name]! })),
      ...(rule.region ? { region: rule.region } : {}),
      ...(rule.roleArn ? { roleArn: rule.roleArn } : {}),
    },
  };
}

/** One rule's check, in a workspace of its own (a Commands rule runs there); an error the rule throws fails it. */
async function checkRule(
  deps: ExecutionDependencies,
  payload: ConditionStepPayload,
  rule: RuleDeclaration,
  run: RuleExecutionRecord,
  signal: AbortSignal,
): Promise<RuleOutcome> {
  const provider = ruleProviders.get(rule.ruleTypeId.provider);
  if (!provider) return { passed: false, summary: `Sluice has no rule provider ${rule.ruleTypeId.provider}.` };
  const root = await mkdtemp(path.join(deps.workspaceRoot, 'sluice-rule-'));
  const workspace = path.join(root, 'work');
  await mkdir(workspace);
  try {
    return await provider.check({
      ...stepContext(deps, payload.pipeline, payload.stage),
      rule: { ...rule, configuration: run.input.resolvedConfiguration },
      inputArtifacts: run.input.inputArtifacts.map(({ name, s3location }) => ({ name, location: s3location })),
      workspace,
      log: () => undefined,
      signal,
      clock: deps.clock,
      alarms: deps.alarms,
      lambdaFunctions: deps.lambdaFunctions,
    });
  } catch (error) {
    return { passed: false, summary: error instanceof Error ? error.message : String(error) };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** An entry condition's SKIP: the stage ends Skipped and lets go of its line; skipping the last stage, or a rollback's, ends the execution. */
async function skipStage(deps: ExecutionDependencies, payload: ConditionStepPayload): Promise<void> {
  const { pipeline, stage } = payload;
  const now = deps.clock().toISOString();
  const startTime = (await deps.store.listStages(pipeline.executionId)).find((entry) => entry.stageName === stage)?.startTime ?? now;
  await deps.store.putStage({ pipelineExecutionId: pipeline.executionId, stageName: stage, status: 'Skipped', startTime, lastUpdateTime: now });
  await leaveStage(
    deps,
    { pipelineName: pipeline.name, stage, ...(payload.previousStage ? { previousStage: payload.previousStage } : {}) },
    pipeline.executionId,
  );
  if ((payload.final || pipeline.rollback) && (await deps.store.finishExecution(pipeline.executionId, 'Succeeded', undefined, now))) {
    await publishPipelineState(deps, pipeline, { state: 'SUCCEEDED' });
  }
}
