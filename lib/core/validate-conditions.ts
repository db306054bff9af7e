import type { PipelineDeclaration, StageDeclaration } from './declaration';
import type { Runtime } from './providers';
import { ALLOWED_RESULTS, type ConditionDeclaration, type ConditionKind, type RuleCatalog } from './rules';
import { ENDPOINT_VARIABLES, type EndpointService } from './endpoints';
import { checkConfigurationKeys, firstDuplicates, type Report } from './validate';
import { EXECUTION_NAMESPACE, EXECUTION_VARIABLES, PIPELINE_VARIABLES_NAMESPACE, findVariableReferences } from './variables';

export interface ConditionOptions {
  runtime?: Runtime;
  /** The rule providers Sluice has; without them, every rule is unknown. */
  rules?: RuleCatalog;
  /** The AWS services that an endpoint variable (AWS_ENDPOINT_URL...) points at, where the runtime is local. */
  endpoints?: readonly EndpointService[];
}

/** A stage's conditions of each kind, with the path of their list. */
export function stageConditions(stage: StageDeclaration): { kind: ConditionKind; path: string; conditions: ConditionDeclaration[] }[] {
  return [
    { kind: 'beforeEntry' as const, path: 'beforeEntry.conditions', conditions: stage.beforeEntry?.conditions ?? [] },
    { kind: 'onSuccess' as const, path: 'onSuccess.conditions', conditions: stage.onSuccess?.conditions ?? [] },
    { kind: 'onFailure' as const, path: 'onFailure.conditions', conditions: stage.onFailure?.conditions ?? [] },
  ].filter((entry) => entry.conditions.length > 0);
}

/**
 * Every condition's result and rules: a result that CodePipeline allows for its kind, and rules of known providers with their configuration as documented, whose
 * artifacts and variables come from actions that run before the condition is evaluated.
 */
export function checkConditions(pipeline: PipelineDeclaration, options: ConditionOptions, report: Report): void {
  pipeline.stages.forEach((stage, stageIndex) => {
    for (const { kind, path: listPath, conditions } of stageConditions(stage)) {
      if ((pipeline.pipelineType ?? 'V1') === 'V1') {
        report(`stages[${stageIndex}].${kind}`, 'v2-only', `Stage conditions need pipelineType V2, as in CodePipeline. Add pipelineType: V2.`);
      }
      // Entry conditions run before the stage's actions, success conditions after all of them; a
      // failure condition may follow a failure before any of them ran, so it reads earlier stages only.
      const producers = pipeline.stages.slice(0, kind === 'onSuccess' ? stageIndex + 1 : stageIndex).flatMap((earlier) => earlier.actions);
      conditions.forEach((condition, index) => {
        const path = `stages[${stageIndex}].${listPath}[${index}]`;
        checkResult(kind, condition, path, report);
        if (!condition.rules) report(`${path}.rules`, 'condition-rules', 'A condition needs rules: it passes when every rule passes.');
        for (const [ruleIndex, first] of firstDuplicates(condition.rules ?? [], (rule) => rule.name)) {
          report(
            `${path}.rules[${ruleIndex}].name`,
            'rule-name-unique',
            `Rule name "${condition.rules![ruleIndex]!.name}" is already used by rules[${first}].`,
          );
        }
        condition.rules?.forEach((rule, ruleIndex) => checkRule(pipeline, rule, `${path}.rules[${ruleIndex}]`, producers, options, report));
      });
    }
  });
}

function checkResult(kind: ConditionKind, condition: ConditionDeclaration, path: string, report: Report): void {
  const allowed = ALLOWED_RESULTS[kind];
  if (condition.result === undefined) {
    report(`${path}.result`, 'condition-result', `A ${kind} condition needs a result: ${allowed.join(' or ')}.`);
  } else if (!allowed.includes(condition.result)) {
    report(`${path}.result`, 'condition-result', `A ${kind} condition's result may be ${allowed.join(' or ')}, as in CodePipeline; not ${condition.result}.`);
  }
}

type RuleDeclaration = NonNullable<ConditionDeclaration['rules']>[number];

function checkRule(
  pipeline: PipelineDeclaration,
  rule: RuleDeclaration,
  path: string,
  producers: PipelineDeclaration['stages'][number]['actions'],
  options: ConditionOptions,
  report: Report,
): void {
  const id = rule.ruleTypeId;
  const spec = options.rules?.get(id.provider);
  if (!spec) {
    const known = [...(options.rules?.keys() ?? [])].join(', ') || 'none';
    report(`${path}.ruleTypeId.provider`, 'rule-unknown', `Unknown rule provider ${id.provider}. Known rule providers: ${known}.`);
    return;
  }
  if (id.version !== undefined && id.version !== spec.version) {
    report(`${path}.ruleTypeId.version`, 'rule-version', `${id.provider} has version ${spec.version}, not ${id.version}.`);
  }
  if (options.runtime === 'local' && spec.service && !options.endpoints?.includes(spec.service)) {
    const variable = ENDPOINT_VARIABLES[spec.service];
    report(
      `${path}.ruleTypeId.provider`,
      'rule-endpoint',
      `Rule "${rule.name}" (${id.provider}) calls AWS ${spec.service}: on the local runtime, set ${variable} or AWS_ENDPOINT_URL to an endpoint such as moto_server or LocalStack.`,
    );
  }
  checkConfigurationKeys(path, spec, rule.configuration ?? {}, report, options);
  if (spec.commands && !rule.commands) report(`${path}.commands`, 'commands-required', `${id.provider} needs a commands list.`);
  if (!spec.commands && rule.commands) report(`${path}.commands`, 'commands-only', `commands belong to Commands rules; ${id.provider} does not use them.`);

  const inputs = rule.inputArtifacts ?? [];
  const { min, max } = spec.inputArtifacts;
  if (inputs.length < min || inputs.length > max) {
    const allowed = min === max ? `exactly ${min}` : `${min} to ${max}`;
    report(`${path}.inputArtifacts`, 'input-artifact-count', `Rule ${id.provider} takes ${allowed} input artifacts; this rule has ${inputs.length}.`);
  }
  const produced = new Set(producers.flatMap((action) => (action.outputArtifacts ?? []).map((artifact) => artifact.name)));
  inputs.forEach((artifact, index) => {
    if (!produced.has(artifact.name)) {
      report(
        `${path}.inputArtifacts[${index}].name`,
        'input-artifact-unknown',
        `No action that runs before this condition produces an artifact named "${artifact.name}".`,
      );
    }
  });
  checkRuleVariables(pipeline, rule, path, producers, report);
}

/** A rule's `#{...}` references: to the execution, the pipeline's variables, or an action that runs before the condition. */
function checkRuleVariables(
  pipeline: PipelineDeclaration,
  rule: RuleDeclaration,
  path: string,
  producers: PipelineDeclaration['stages'][number]['actions'],
  report: Report,
): void {
  const namespaces = new Set(producers.flatMap((action) => (action.namespace ? [action.namespace] : [])));
  const variables = new Set((pipeline.variables ?? []).map((variable) => variable.name));
  for (const [key, value] of Object.entries(rule.configuration ?? {})) {
    for (const { namespace, name, text } of findVariableReferences(value)) {
      const known =
        namespace === EXECUTION_NAMESPACE
          ? (EXECUTION_VARIABLES as readonly string[]).includes(name)
          : namespace === PIPELINE_VARIABLES_NAMESPACE
            ? variables.has(name)
            : namespaces.has(namespace);
      if (!known) {
        report(
          `${path}.configuration.${key}`,
          'variable-unknown',
          `${text}: no such variable is set before this condition is evaluated. Namespaces of the actions before it: ${[...namespaces].join(', ') || 'none'}.`,
        );
      }
    }
  }
}
