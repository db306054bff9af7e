import { BadInputError } from '../../../lib/core/errors';
import { matchesEventPattern, parseEventPattern } from '../../../lib/core/event-pattern';
import { DETAIL_TYPES, pipelineEvent, type ActionEventDetail } from '../../../lib/core/events';
import { notificationRulePattern, parseNotificationRules, PIPELINE_EVENT_TYPES } from '../../../lib/core/notification-rules';
import { eventMeta } from '../../support/pipeline-events';

const meta = eventMeta();
const base = (pipeline = 'webapp') => ({ pipeline, version: 2, 'execution-id': 'e-1' });
const pipelineState = (state: 'STARTED' | 'FAILED' | 'SUCCEEDED' | 'STOPPED', pipeline?: string) =>
  pipelineEvent(DETAIL_TYPES.pipeline, { ...base(pipeline), state }, meta);
const stageState = (state: 'STARTED' | 'FAILED') => pipelineEvent(DETAIL_TYPES.stage, { ...base(), stage: 'Build', state }, meta);
const actionState = (state: ActionEventDetail['state'], category = 'Build') =>
  pipelineEvent(
    DETAIL_TYPES.action,
    {
      ...base(),
      stage: 'Build',
      action: 'Compile',
      'action-execution-id': 'a-1',
      state,
      type: { category, owner: 'AWS', provider: 'CodeBuild', version: '1' } as ActionEventDetail['type'],
    },
    meta,
  );

describe('parseNotificationRules', () => {
  const problemsOf = (text: string) => {
    try {
      parseNotificationRules(text, 'notifications.yml');
    } catch (error) {
      expect(error).toBeInstanceOf(BadInputError);
      return (error as Error).message;
    }
    throw new Error('the file was accepted');
  };

  it('reads the rules of a YAML file', () => {
    const text = `
notificationRules:
  - name: webapp-failures
    resource: webapp
    eventTypeIds: [codepipeline-pipeline-pipeline-execution-failed]
    targets:
      - type: email
        address: dev@example.com
  - name: approvals
    eventTypeIds:
      - codepipeline-pipeline-manual-approval-needed
    targets: [{ type: email, address: lead@example.com }]
`;
    expect(parseNotificationRules(text, 'notifications.yml')).toEqual([
      {
        name: 'webapp-failures',
        resource: 'webapp',
        eventTypeIds: ['codepipeline-pipeline-pipeline-execution-failed'],
        targets: [{ type: 'email', address: 'dev@example.com' }],
      },
      { name: 'approvals', eventTypeIds: ['codepipeline-pipeline-manual-approval-needed'], targets: [{ type: 'email', address: 'lead@example.com' }] },
    ]);
  });

  it('reads JSON too', () => {
    const json = JSON.stringify({
      notificationRules: [
        { name: 'all', eventTypeIds: ['codepipeline-pipeline-stage-execution-failed'], targets: [{ type: 'email', address: 'a@example.com' }] },
      ],
    });
    expect(parseNotificationRules(json, 'notifications.json')).toHaveLength(1);
  });

  it('names every problem of a malformed file', () => {
    const text = `
notificationRules:
  - name: one
    eventTypeIds: [codepipeline-pipeline-pipeline-execution-stopped]
    targets: [{ type: email, address: not-an-address }]
  - name: one
    eventTypeIds: []
    targets: [{ type: sns, address: a@example.com }]
    detailType: FULL
`;
    const message = problemsOf(text);
    expect(message).toMatch(/^notifications\.yml is not a valid notification rules file:/);
    expect(message).toContain(
      'notificationRules[0].eventTypeIds[0]: "codepipeline-pipeline-pipeline-execution-stopped" is not a CodePipeline event type; use one of codepipeline-pipeline-action-execution-succeeded,',
    );
    expect(message).toContain('notificationRules[0].targets[0].address: "not-an-address" is not an email address');
    expect(message).toContain('notificationRules[1]: unknown field "detailType"');
    expect(message).toContain('notificationRules[1].eventTypeIds: eventTypeIds must name at least one event type');
    expect(message).toContain('notificationRules[1].targets[0].type: type must be email');
  });

  it('refuses two rules of the same name, bad YAML, and a file without rules', () => {
    const rule = '{ name: twin, eventTypeIds: [codepipeline-pipeline-pipeline-execution-failed], targets: [{ type: email, address: a@example.com }] }';
    expect(problemsOf(`notificationRules: [${rule}, ${rule}]`)).toContain('notificationRules[1].name: another rule is named twin; rule names are unique');
    expect(problemsOf('notificationRules: [')).toMatch(/^notifications\.yml is not valid YAML or JSON/);
    expect(problemsOf('')).toContain('notificationRules: required');
  });
});

describe('notificationRulePattern', () => {
  const matching = (eventTypeIds: (keyof typeof PIPELINE_EVENT_TYPES)[], resource?: string) => {
    const pattern = notificationRulePattern({ eventTypeIds, resource });
    // Every pattern made is one that EventBridge would take.
    expect(parseEventPattern(pattern)).toEqual(pattern);
    return (event: unknown) => matchesEventPattern(pattern, event);
  };

  it('matches the FAILED execution events of one pipeline only', () => {
    const matches = matching(['codepipeline-pipeline-pipeline-execution-failed'], 'webapp');
    expect(notificationRulePattern({ eventTypeIds: ['codepipeline-pipeline-pipeline-execution-failed'], resource: 'webapp' })).toEqual({
      source: ['sluice'],
      'detail-type': ['CodePipeline Pipeline Execution State Change'],
      detail: { pipeline: ['webapp'], state: ['FAILED'] },
    });
    expect(matches(pipelineState('FAILED'))).toBe(true);
    expect(matches(pipelineState('FAILED', 'other'))).toBe(false);
    expect(matches(pipelineState('SUCCEEDED'))).toBe(false);
    expect(matches(stageState('FAILED'))).toBe(false);
    expect(matches(actionState('FAILED'))).toBe(false);
    expect(matches({ ...pipelineState('FAILED'), source: 'aws.codepipeline' })).toBe(false);
  });

  it('covers every pipeline without a resource, and joins event types of several kinds with $or', () => {
    const matches = matching([
      'codepipeline-pipeline-pipeline-execution-failed',
      'codepipeline-pipeline-pipeline-execution-succeeded',
      'codepipeline-pipeline-stage-execution-failed',
    ]);
    expect(matches(pipelineState('FAILED', 'other'))).toBe(true);
    expect(matches(pipelineState('SUCCEEDED'))).toBe(true);
    expect(matches(stageState('FAILED'))).toBe(true);
    expect(matches(stageState('STARTED'))).toBe(false);
    expect(matches(pipelineState('STARTED'))).toBe(false);
  });

  it('keeps the pipeline condition beside the alternatives', () => {
    const matches = matching(['codepipeline-pipeline-pipeline-execution-started', 'codepipeline-pipeline-action-execution-failed'], 'webapp');
    expect(matches(pipelineState('STARTED'))).toBe(true);
    expect(matches(actionState('FAILED'))).toBe(true);
    expect(matches(pipelineState('STARTED', 'other'))).toBe(false);
  });

  it('matches manual approval event types on Approval actions only', () => {
    const needed = matching(['codepipeline-pipeline-manual-approval-needed']);
    expect(needed(actionState('STARTED', 'Approval'))).toBe(true);
    expect(needed(actionState('STARTED', 'Build'))).toBe(false);
    expect(needed(actionState('SUCCEEDED', 'Approval'))).toBe(false);
    const decided = matching(['codepipeline-pipeline-manual-approval-succeeded', 'codepipeline-pipeline-manual-approval-failed']);
    expect(decided(actionState('FAILED', 'Approval'))).toBe(true);
    expect(decided(actionState('FAILED', 'Build'))).toBe(false);
    // The action event types cover every action, approvals included, as CodeStar's do.
    const anyAction = matching(['codepipeline-pipeline-action-execution-failed', 'codepipeline-pipeline-manual-approval-needed']);
    expect(anyAction(actionState('FAILED', 'Approval'))).toBe(true);
    expect(anyAction(actionState('FAILED', 'Build'))).toBe(true);
    expect(anyAction(actionState('STARTED', 'Build'))).toBe(false);
  });

  it("maps each of CodeStar's eighteen pipeline event types to an event Sluice publishes", () => {
    expect(Object.keys(PIPELINE_EVENT_TYPES)).toHaveLength(18);
    expect(matching(['codepipeline-pipeline-action-execution-canceled'])(actionState('CANCELED'))).toBe(true);
  });
});
