import { InvalidNextTokenError } from '../../../lib/core/errors';
import { actionExecutionDetail, decodeNextToken, encodeNextToken, latestOfEachAction, newestFirst } from '../../../lib/operations/action-executions';
import type { ActionExecutionRecord, PipelineExecutionRecord } from '../../../lib/ports/execution-store';

const execution: PipelineExecutionRecord = {
  pipelineName: 'webapp',
  pipelineVersion: 4,
  pipelineExecutionId: 'e-1',
  status: 'Failed',
  startTime: '2025-01-01T00:00:00.000Z',
  lastUpdateTime: '2025-01-01T00:05:00.000Z',
  trigger: { triggerType: 'StartPipelineExecution', triggerDetail: 'alice' },
  variables: {},
};

const location = (name: string) => ({ bucketName: 'artifacts', objectKey: `webapp/${name}/abc.zip` });

function action(actionName: string, startTime: string, overrides: Partial<ActionExecutionRecord> = {}): ActionExecutionRecord {
  return {
    pipelineExecutionId: 'e-1',
    stageName: 'Build',
    actionName,
    actionExecutionId: `${actionName}-${startTime}`,
    status: 'Succeeded',
    startTime,
    lastUpdateTime: startTime,
    input: {
      actionTypeId: { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' },
      configuration: { ProjectName: '#{variables.Project}' },
      resolvedConfiguration: { ProjectName: 'webapp' },
      inputArtifacts: [{ name: 'Src', s3location: location('Src') }],
    },
    ...overrides,
  };
}

describe('actionExecutionDetail', () => {
  it("shows a record in ListActionExecutions' shape: S3 locations as bucket and key, the installation's region by default", () => {
    const record = action('Compile', '2025-01-01T00:01:00.000Z', {
      input: { ...action('Compile', '').input, namespace: 'BuildVariables' },
      output: {
        outputArtifacts: [{ name: 'Built', s3location: location('Built') }],
        outputVariables: { VERSION: '4.2' },
        executionResult: { externalExecutionId: 'webapp:1234', externalExecutionUrl: 'https://example.com/build' },
      },
    });

    expect(actionExecutionDetail(execution, record, 'eu-west-1')).toEqual({
      pipelineExecutionId: 'e-1',
      actionExecutionId: record.actionExecutionId,
      pipelineVersion: 4,
      stageName: 'Build',
      actionName: 'Compile',
      startTime: '2025-01-01T00:01:00.000Z',
      lastUpdateTime: '2025-01-01T00:01:00.000Z',
      status: 'Succeeded',
      input: {
        actionTypeId: record.input.actionTypeId,
        configuration: { ProjectName: '#{variables.Project}' },
        resolvedConfiguration: { ProjectName: 'webapp' },
        region: 'eu-west-1',
        inputArtifacts: [{ name: 'Src', s3location: { bucket: 'artifacts', key: 'webapp/Src/abc.zip' } }],
        namespace: 'BuildVariables',
      },
      output: {
        outputArtifacts: [{ name: 'Built', s3location: { bucket: 'artifacts', key: 'webapp/Built/abc.zip' } }],
        executionResult: { externalExecutionId: 'webapp:1234', externalExecutionUrl: 'https://example.com/build' },
        outputVariables: { VERSION: '4.2' },
      },
    });
  });

  it("gives a failure CodePipeline's error code, and an action's own region and role and its approver", () => {
    const record = action('Deploy', '2025-01-01T00:02:00.000Z', {
      status: 'Failed',
      input: { ...action('Deploy', '').input, region: 'us-west-2', roleArn: 'arn:aws:iam::123456789012:role/Deployer' },
      errorDetails: { code: 'Sluice.ActionFailed', message: 'exit 3' },
      approval: { token: 't', approvalId: 'a', decision: { status: 'Rejected', approver: 'ada', at: '2025-01-01T00:03:00.000Z' } },
    });

    const detail = actionExecutionDetail(execution, record, 'eu-west-1');

    expect(detail.input).toMatchObject({ region: 'us-west-2', roleArn: 'arn:aws:iam::123456789012:role/Deployer' });
    expect(detail.output).toEqual({ outputArtifacts: [], executionResult: { errorDetails: { code: 'JobFailed', message: 'exit 3' } }, outputVariables: {} });
    expect(detail.updatedBy).toBe('ada');
  });
});

describe('the order of an execution’s action executions', () => {
  const first = action('Compile', '2025-01-01T00:01:00.000Z');
  const again = action('Compile', '2025-01-01T00:03:00.000Z');
  const test = action('Test', '2025-01-01T00:02:00.000Z');

  it('lists the latest started first', () => {
    expect(newestFirst([first, test, again])).toEqual([again, test, first]);
  });

  it('keeps only the latest run of each action for startTimeRange Latest', () => {
    expect(latestOfEachAction([first, test, again])).toEqual([again, test]);
  });
});

describe('nextToken', () => {
  const request = { pipelineName: 'webapp' };
  const position = { request: JSON.stringify(['webapp', {}]), execution: { startTime: execution.startTime, pipelineExecutionId: 'e-1' }, skip: 3 };

  it('gives back the position it was made from, for the same request', () => {
    expect(decodeNextToken(encodeNextToken(position), request)).toEqual(position);
  });

  it.each([
    ['garbage', 'not a token at all', /not one that ListActionExecutions gave/],
    ['a token without a position', Buffer.from('{"skip":1}').toString('base64url'), /not one that ListActionExecutions gave/],
    ['a negative skip', encodeNextToken({ ...position, skip: -1 }), /not one that ListActionExecutions gave/],
    ["another pipeline's token", encodeNextToken({ ...position, request: JSON.stringify(['other', {}]) }), /belongs to another ListActionExecutions request/],
  ])('refuses %s with InvalidNextTokenException', (_, token, message) => {
    expect(() => decodeNextToken(token, request)).toThrow(InvalidNextTokenError);
    expect(() => decodeNextToken(token, request)).toThrow(message);
    expect(new InvalidNextTokenError('x').codePipelineCode).toBe('InvalidNextTokenException');
  });
});
