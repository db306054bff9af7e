import { DETAIL_TYPES, pipelineEvent } from '../../../lib/core/events';
import { composeNotificationMail } from '../../../lib/execution/notification-mail';
import type { ActionExecutionRecord } from '../../../lib/ports/execution-store';
import { eventMeta } from '../../support/pipeline-events';

const meta = eventMeta({ time: '2025-01-01T00:00:12.000Z' });
const base = { pipeline: 'webapp', version: 3, 'execution-id': 'e-42' };
const consoleUrl = 'http://localhost:4000/';

const compile: ActionExecutionRecord = {
  pipelineExecutionId: 'e-42',
  stageName: 'Build',
  actionName: 'Compile',
  actionExecutionId: 'a-1',
  status: 'Failed',
  startTime: '2025-01-01T00:00:05.000Z',
  lastUpdateTime: '2025-01-01T00:00:10.000Z',
  input: {
    actionTypeId: { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' },
    configuration: {},
    resolvedConfiguration: {},
    inputArtifacts: [],
  },
  errorDetails: { code: 'Sluice.ActionFailed', message: 'npm test exited with 1' },
};

describe('composeNotificationMail', () => {
  it('writes a FAILED execution mail naming the failing action, with its error, log tail and links', () => {
    const event = pipelineEvent(
      DETAIL_TYPES.pipeline,
      { ...base, state: 'FAILED', 'execution-result': { 'external-execution-summary': 'Build/Compile failed: npm test exited with 1' } },
      meta,
    );

    const mail = composeNotificationMail(event, consoleUrl, { action: compile, logTail: ['> jest', 'Tests: 1 failed'] });

    expect(mail.subject).toBe('[Sluice] webapp: pipeline execution FAILED');
    expect(mail.text).toBe(
      [
        'Pipeline:  webapp (version 3)',
        'Execution: e-42',
        'State:     FAILED',
        'Summary:   Build/Compile failed: npm test exited with 1',
        'Time:      2025-01-01T00:00:12.000Z',
        '',
        'Failing action: Build/Compile',
        'Error: npm test exited with 1 (Sluice.ActionFailed)',
        '',
        'Last 2 lines of its log:',
        '| > jest',
        '| Tests: 1 failed',
        '',
        'Execution: http://localhost:4000/executions/e-42',
        'Log:       http://localhost:4000/executions/e-42/logs?action=Build/Compile',
        '',
      ].join('\n'),
    );
  });

  it('says so when the failing action stored no log, and links all logs when no action failed', () => {
    const event = pipelineEvent(DETAIL_TYPES.pipeline, { ...base, state: 'FAILED' }, meta);
    expect(composeNotificationMail(event, consoleUrl, { action: compile, logTail: undefined }).text).toContain(
      'Failing action: Build/Compile\nError: npm test exited with 1 (Sluice.ActionFailed)\n\nThe action stored no log.\n',
    );
    expect(composeNotificationMail(event, consoleUrl).text).toContain('Log:       http://localhost:4000/executions/e-42/logs\n');
  });

  it('names the stage of a stage event and the action and its type of an action event', () => {
    const stage = composeNotificationMail(pipelineEvent(DETAIL_TYPES.stage, { ...base, stage: 'Deploy', state: 'SUCCEEDED' }, meta), consoleUrl);
    expect(stage.subject).toBe('[Sluice] webapp: Deploy stage SUCCEEDED');
    expect(stage.text).toContain('Stage:     Deploy\nState:     SUCCEEDED\n');

    const type = { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' } as const;
    const action = composeNotificationMail(
      pipelineEvent(
        DETAIL_TYPES.action,
        {
          ...base,
          stage: 'Build',
          action: 'Unit tests',
          'action-execution-id': 'a-1',
          state: 'FAILED',
          type,
          'execution-result': { 'external-execution-summary': 'exit 1' },
        },
        meta,
      ),
      consoleUrl,
    );
    expect(action.subject).toBe('[Sluice] webapp: Build/Unit tests action FAILED');
    expect(action.text).toContain('Action:    Unit tests (Build/AWS/CodeBuild/1)\nState:     FAILED\nSummary:   exit 1\n');
    expect(action.text).toContain('Log:       http://localhost:4000/executions/e-42/logs?action=Build/Unit%20tests\n');
  });

  it('calls a started approval action a manual approval needed', () => {
    const type = { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' } as const;
    const mail = composeNotificationMail(
      pipelineEvent(DETAIL_TYPES.action, { ...base, stage: 'Release', action: 'Review', 'action-execution-id': 'a-2', state: 'STARTED', type }, meta),
      consoleUrl,
    );
    expect(mail.subject).toBe('[Sluice] webapp: Release/Review manual approval NEEDED');
  });
});
