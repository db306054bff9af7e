import { actionErrorCode, arnRegionAndAccount, DETAIL_TYPES, pipelineEvent } from '../../../lib/core/events';
import { eventMeta } from '../../support/pipeline-events';

const meta = eventMeta({ time: '2025-01-01T00:00:05.000Z', pipelineArn: 'arn:aws:codepipeline:eu-west-1:123456789012:webapp' });
const base = { pipeline: 'webapp', version: 2, 'execution-id': 'e-1' };

describe('pipelineEvent', () => {
  it("puts the pipeline ARN's account and region on the envelope and the execution's start and attempt in the detail", () => {
    expect(pipelineEvent(DETAIL_TYPES.pipeline, { ...base, state: 'STARTED' }, meta)).toEqual({
      version: '0',
      id: 'event-1',
      'detail-type': 'CodePipeline Pipeline Execution State Change',
      source: 'sluice',
      account: '123456789012',
      time: '2025-01-01T00:00:05.000Z',
      region: 'eu-west-1',
      resources: ['arn:aws:codepipeline:eu-west-1:123456789012:webapp'],
      detail: { ...base, state: 'STARTED', 'start-time': '2025-01-01T00:00:00.000Z', 'pipeline-execution-attempt': 1 },
    });
  });

  it('gives an action event the region the action ran in, and a stage event none', () => {
    const type = { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' } as const;
    const action = pipelineEvent(
      DETAIL_TYPES.action,
      { ...base, stage: 'Build', action: 'Compile', 'action-execution-id': 'a-1', state: 'STARTED', type },
      meta,
    );
    const stage = pipelineEvent(DETAIL_TYPES.stage, { ...base, stage: 'Build', state: 'STARTED' }, meta);

    expect(action.detail).toMatchObject({ 'action-execution-id': 'a-1', region: 'eu-west-1', 'start-time': meta.startTime, 'pipeline-execution-attempt': 1 });
    expect(stage.detail).not.toHaveProperty('region');
    expect(stage.detail).toMatchObject({ 'start-time': meta.startTime, 'pipeline-execution-attempt': 1 });
  });
});

describe('arnRegionAndAccount', () => {
  it('reads the region and account of an ARN, the local installation’s too', () => {
    expect(arnRegionAndAccount('arn:aws:codepipeline:us-east-2:111122223333:app')).toEqual({ region: 'us-east-2', account: '111122223333' });
    expect(arnRegionAndAccount('arn:aws:codepipeline:local:000000000000:app')).toEqual({ region: 'local', account: '000000000000' });
  });
});

describe('actionErrorCode', () => {
  it("answers CodePipeline's failure type for the error an action recorded", () => {
    expect(actionErrorCode('Sluice.ActionFailed')).toBe('JobFailed');
    expect(actionErrorCode('States.TaskFailed')).toBe('JobFailed');
    expect(actionErrorCode('JobFailed')).toBe('JobFailed');
    expect(actionErrorCode('Sluice.BadInput')).toBe('ConfigurationError');
    expect(actionErrorCode('Sluice.AccessDenied')).toBe('PermissionError');
  });
});
