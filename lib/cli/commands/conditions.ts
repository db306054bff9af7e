import type { Command } from 'commander';
import type { ConditionStates } from '../../core/condition-state';
import { apiCommand, printJson } from '../api-command';
import type { ExitWith } from '../exit-codes';
import { targetOptions, type TargetOptions } from '../target-options';

type JsonOptions = TargetOptions & { json?: boolean };

const KINDS: [keyof ConditionStates, string][] = [
  ['beforeEntryConditionState', 'entry condition'],
  ['onSuccessConditionState', 'success condition'],
  ['onFailureConditionState', 'failure condition'],
];

/** The lines `sluice status` prints for a stage's conditions: each condition's status, and each rule's. */
export function conditionLines(stage: ConditionStates): string[] {
  return KINDS.flatMap(([field, label]) => {
    const state = stage[field];
    if (!state) return [];
    const rules = state.conditionStates.flatMap((condition) =>
      condition.ruleStates.map(
        ({ ruleName, latestExecution: run }) => `      rule ${ruleName}: ${run.status} at ${run.lastStatusChange}${run.summary ? `: ${run.summary}` : ''}`,
      ),
    );
    return [`    ${label}: ${state.latestExecution.status}${state.latestExecution.summary ? `: ${state.latestExecution.summary}` : ''}`, ...rules];
  });
}

/** override-stage-condition, list-rule-types and list-rule-executions, named and shaped as the aws CLI's. */
export function registerConditionCommands(program: Command, exitWith: ExitWith): void {
  targetOptions(
    program
      .command('override-stage-condition')
      .description("Let an execution past a stage's condition that is being evaluated, as OverrideStageCondition does; recorded in the audit trail")
      .argument('<pipeline>')
      .argument('<stage>')
      .requiredOption('--pipeline-execution-id <id>', 'the execution whose condition is evaluated')
      .requiredOption('--condition-type <type>', 'BEFORE_ENTRY or ON_SUCCESS'),
  ).action(
    exitWith((pipeline: string, stage: string, options: TargetOptions & { pipelineExecutionId: string; conditionType: string }) =>
      apiCommand('override-stage-condition', options, async (api) => {
        const { pipelineExecutionId, conditionType } = options;
        await api.overrideStageCondition({ pipelineName: pipeline, stageName: stage, pipelineExecutionId, conditionType });
        console.log(`Overrode the ${conditionType} condition of ${pipeline}/${stage} in execution ${pipelineExecutionId}`);
      }),
    ),
  );

  targetOptions(
    program.command('list-rule-types').description('List the rule providers of stage conditions, as ListRuleTypes does').option('--json', 'print JSON'),
  ).action(
    exitWith((options: JsonOptions) =>
      apiCommand('list-rule-types', options, async (api) => {
        const ruleTypes = await api.listRuleTypes();
        if (options.json) return printJson({ ruleTypes });
        for (const type of ruleTypes) {
          const keys = type.ruleConfigurationProperties.map((key) => `${key.name}${key.required ? '' : '?'}`).join(', ');
          console.log(`${type.id.owner}/${type.id.provider} v${type.id.version}${keys ? `  ${keys}` : ''}`);
        }
      }),
    ),
  );

  targetOptions(
    program
      .command('list-rule-executions')
      .description("List the runs of a pipeline's condition rules, as ListRuleExecutions does")
      .argument('<pipeline>')
      .option('--pipeline-execution-id <id>', 'only this execution')
      .option('--json', 'print JSON'),
  ).action(
    exitWith((pipeline: string, options: JsonOptions & { pipelineExecutionId?: string }) =>
      apiCommand('list-rule-executions', options, async (api) => {
        const { items, nextToken } = await api.listRuleExecutions({
          pipelineName: pipeline,
          ...(options.pipelineExecutionId ? { pipelineExecutionId: options.pipelineExecutionId } : {}),
        });
        if (options.json) return printJson({ ruleExecutionDetails: items, ...(nextToken ? { nextToken } : {}) });
        for (const run of items) {
          const summary = run.output?.executionResult.externalExecutionSummary;
          console.log(
            `${run.pipelineExecutionId}  ${run.stageName}/${run.ruleName}  ${run.status.padEnd(10)}  ${run.lastUpdateTime}${summary ? `  ${summary}` : ''}`,
          );
        }
      }),
    ),
  );
}
