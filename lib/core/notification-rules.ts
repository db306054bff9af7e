import { z } from 'zod';
import { BadInputError } from './errors';
import type { EventPattern } from './event-pattern';
import { DETAIL_TYPES, EVENT_SOURCE } from './events';
import { DECLARATION_TEXT_LIMITS } from './text-limits';
import { parseYamlWithinLimits } from './yaml-within-limits';
import { formatPath } from './validate';

/**
 * Notification rules as AWS CodeStar Notifications has them, which is how CodePipeline users get
 * mail: which event types of which pipeline (or of all of them) go to which addresses. Each rule
 * becomes an EventBridge pattern over Sluice's events.
 */

interface EventTypeMeaning {
  detailType: (typeof DETAIL_TYPES)[keyof typeof DETAIL_TYPES];
  state: string;
  /** Manual approval event types are the action events of Approval actions. */
  approval?: true;
}

/** CodeStar's event type ids for pipelines, and the CodePipeline event each one stands for. */
export const PIPELINE_EVENT_TYPES = {
  'codepipeline-pipeline-action-execution-succeeded': { detailType: DETAIL_TYPES.action, state: 'SUCCEEDED' },
  'codepipeline-pipeline-action-execution-failed': { detailType: DETAIL_TYPES.action, state: 'FAILED' },
  'codepipeline-pipeline-action-execution-canceled': { detailType: DETAIL_TYPES.action, state: 'CANCELED' },
  'codepipeline-pipeline-action-execution-started': { detailType: DETAIL_TYPES.action, state: 'STARTED' },
  'codepipeline-pipeline-stage-execution-started': { detailType: DETAIL_TYPES.stage, state: 'STARTED' },
  'codepipeline-pipeline-stage-execution-succeeded': { detailType: DETAIL_TYPES.stage, state: 'SUCCEEDED' },
  'codepipeline-pipeline-stage-execution-resumed': { detailType: DETAIL_TYPES.stage, state: 'RESUMED' },
  'codepipeline-pipeline-stage-execution-canceled': { detailType: DETAIL_TYPES.stage, state: 'CANCELED' },
  'codepipeline-pipeline-stage-execution-failed': { detailType: DETAIL_TYPES.stage, state: 'FAILED' },
  'codepipeline-pipeline-pipeline-execution-failed': { detailType: DETAIL_TYPES.pipeline, state: 'FAILED' },
  'codepipeline-pipeline-pipeline-execution-canceled': { detailType: DETAIL_TYPES.pipeline, state: 'CANCELED' },
  'codepipeline-pipeline-pipeline-execution-started': { detailType: DETAIL_TYPES.pipeline, state: 'STARTED' },
  'codepipeline-pipeline-pipeline-execution-resumed': { detailType: DETAIL_TYPES.pipeline, state: 'RESUMED' },
  'codepipeline-pipeline-pipeline-execution-succeeded': { detailType: DETAIL_TYPES.pipeline, state: 'SUCCEEDED' },
  'codepipeline-pipeline-pipeline-execution-superseded': { detailType: DETAIL_TYPES.pipeline, state: 'SUPERSEDED' },
  'codepipeline-pipeline-manual-approval-failed': { detailType: DETAIL_TYPES.action, state: 'FAILED', approval: true },
  'codepipeline-pipeline-manual-approval-needed': { detailType: DETAIL_TYPES.action, state: 'STARTED', approval: true },
  'codepipeline-pipeline-manual-approval-succeeded': { detailType: DETAIL_TYPES.action, state: 'SUCCEEDED', approval: true },
} as const satisfies Record<string, EventTypeMeaning>;

export type PipelineEventTypeId = keyof typeof PIPELINE_EVENT_TYPES;

const EVENT_TYPE_IDS = Object.keys(PIPELINE_EVENT_TYPES) as [PipelineEventTypeId, ...PipelineEventTypeId[]];

const EmailTargetSchema = z.strictObject({
  type: z.literal('email', { error: 'type must be email' }),
  address: z.email({ error: (issue) => `${JSON.stringify(issue.input)} is not an email address` }),
});

const NotificationRuleSchema = z.strictObject({
  name: z.string({ error: 'name must be a string' }).min(1, 'name must not be empty'),
  /** A pipeline name; without it the rule covers every pipeline of the installation. */
  resource: z.string({ error: 'resource must be a pipeline name' }).min(1, 'resource must be a pipeline name').optional(),
  eventTypeIds: z
    .array(
      z.enum(EVENT_TYPE_IDS, {
        error: (issue) => `${JSON.stringify(issue.input)} is not a CodePipeline event type; use one of ${EVENT_TYPE_IDS.join(', ')}`,
      }),
      { error: 'eventTypeIds must be a list of event type ids' },
    )
    .min(1, 'eventTypeIds must name at least one event type'),
  targets: z.array(EmailTargetSchema, { error: 'targets must be a list of { type: email, address }' }).min(1, 'targets must name at least one target'),
});

export type NotificationRule = z.infer<typeof NotificationRuleSchema>;

const NotificationRulesFileSchema = z
  .strictObject({ notificationRules: z.array(NotificationRuleSchema, { error: 'notificationRules must be a list of rules' }) })
  .superRefine(({ notificationRules }, context) => {
    const seen = new Set<string>();
    notificationRules.forEach((rule, index) => {
      if (seen.has(rule.name))
        context.addIssue({ code: 'custom', message: `another rule is named ${rule.name}; rule names are unique`, path: ['notificationRules', index, 'name'] });
      seen.add(rule.name);
    });
  });

/** Reads a rules file, YAML or JSON; a malformed one throws a BadInputError naming each problem. */
export function parseNotificationRules(text: string, source: string): NotificationRule[] {
  const yaml = parseYamlWithinLimits(text, DECLARATION_TEXT_LIMITS, { uniqueKeys: true });
  if (!yaml.ok) throw new BadInputError(`${source} is not valid YAML or JSON: ${yaml.errors[0]}`);
  const parsed = NotificationRulesFileSchema.safeParse(yaml.value ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  - ${formatPath(issue.path) || '(top level)'}: ${problemMessage(issue)}`);
    throw new BadInputError(`${source} is not a valid notification rules file:\n${problems.join('\n')}`);
  }
  return parsed.data.notificationRules;
}

function problemMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown field${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((key) => `"${key}"`).join(', ')}`;
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'required';
  return issue.message;
}

/**
 * The EventBridge pattern of a rule: Sluice's events of the rule's pipeline, of one of the
 * detail-types and states its event types stand for. Event types of one kind share one alternative.
 */
export function notificationRulePattern(rule: Pick<NotificationRule, 'resource' | 'eventTypeIds'>): EventPattern {
  const alternatives = new Map<string, { detailType: string; states: Set<string>; approval: boolean }>();
  for (const id of rule.eventTypeIds) {
    const meaning: EventTypeMeaning = PIPELINE_EVENT_TYPES[id];
    const key = `${meaning.detailType}${meaning.approval ? ' (approval)' : ''}`;
    const alternative = alternatives.get(key) ?? { detailType: meaning.detailType, states: new Set(), approval: meaning.approval === true };
    alternative.states.add(meaning.state);
    alternatives.set(key, alternative);
  }
  const kinds = [...alternatives.values()].map(({ detailType, states, approval }) => {
    const detail: EventPattern = { state: [...states] };
    if (approval) detail.type = { category: ['Approval'] };
    return { detailType, detail };
  });
  const ofPipeline: EventPattern = rule.resource === undefined ? {} : { pipeline: [rule.resource] };
  const [only] = kinds;
  if (kinds.length === 1 && only) return { source: [EVENT_SOURCE], 'detail-type': [only.detailType], detail: { ...ofPipeline, ...only.detail } };
  const pattern: EventPattern = { source: [EVENT_SOURCE], $or: kinds.map(({ detailType, detail }) => ({ 'detail-type': [detailType], detail })) };
  if (rule.resource !== undefined) pattern.detail = ofPipeline;
  return pattern;
}
