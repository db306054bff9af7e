import { CreateEventBusCommand, EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { EventBridgeBus, publishedEvent } from '../../lib/adapters/aws/eventbridge-bus';
import { AUDIT_DETAIL_TYPE } from '../../lib/core/audit';
import { STOP_RECORD } from '../support/audit-records';
import { DETAIL_TYPES, pipelineEvent, type PipelineEventDetail, type PipelineEvent } from '../../lib/core/events';
import { ACCOUNT, REGION, motoClientConfig, uniqueName } from './support/moto-clients';
import { SqsQueue } from './support/sqs-queue';

const PIPELINE_ARN = `arn:aws:codepipeline:${REGION}:${ACCOUNT}:webapp`;

function pipelineState(state: PipelineEventDetail['state'], executionId: string): PipelineEvent {
  return pipelineEvent(
    DETAIL_TYPES.pipeline,
    {
      pipeline: 'webapp',
      version: 3,
      'execution-id': executionId,
      state,
      ...(state === 'FAILED' ? { 'execution-result': { 'error-code': 'Sluice.ActionFailed' } } : {}),
    },
    { id: `${executionId}-${state}`, time: '2025-01-01T12:00:00Z', pipelineArn: PIPELINE_ARN, startTime: '2025-01-01T11:59:00Z' },
  );
}

describe('EventBridgeBus on moto', () => {
  const events = new EventBridgeClient(motoClientConfig());
  const busName = uniqueName('sluice-events');
  const bus = new EventBridgeBus(events, busName);
  let failures: SqsQueue;

  beforeAll(async () => {
    failures = await SqsQueue.create(uniqueName('pipeline-failures'));
    await events.send(new CreateEventBusCommand({ Name: busName }));
    const rule = uniqueName('pipeline-failed');
    await events.send(
      new PutRuleCommand({
        Name: rule,
        EventBusName: busName,
        EventPattern: JSON.stringify({ source: ['sluice'], 'detail-type': [DETAIL_TYPES.pipeline], detail: { state: ['FAILED'] } }),
      }),
    );
    await events.send(new PutTargetsCommand({ Rule: rule, EventBusName: busName, Targets: [{ Id: 'failures', Arn: failures.arn }] }));
  });
  afterAll(() => events.destroy());

  it('delivers to a rule exactly the events its pattern matches, in CodePipeline shape', async () => {
    const failed = pipelineState('FAILED', 'e-failed');

    await bus.publish(failed);
    await bus.publish(pipelineState('SUCCEEDED', 'e-succeeded'));

    const delivered = (await failures.receiveBodies(500)).map((body) => JSON.parse(body));
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({
      source: 'sluice',
      'detail-type': 'CodePipeline Pipeline Execution State Change',
      resources: [PIPELINE_ARN],
      detail: { pipeline: 'webapp', version: 3, 'execution-id': 'e-failed', state: 'FAILED', 'execution-result': { 'error-code': 'Sluice.ActionFailed' } },
    });
    expect(Date.parse(delivered[0].time)).toBe(Date.parse(failed.time));
  });

  it("carries CodePipeline's action detail through EventBridge, under the account and region of the publisher", async () => {
    const actions = await SqsQueue.create(uniqueName('action-failures'));
    const rule = uniqueName('action-failed');
    const pattern = { source: ['sluice'], 'detail-type': [DETAIL_TYPES.action], detail: { state: ['FAILED'], type: { category: ['Build'] } } };
    await events.send(new PutRuleCommand({ Name: rule, EventBusName: busName, EventPattern: JSON.stringify(pattern) }));
    await events.send(new PutTargetsCommand({ Rule: rule, EventBusName: busName, Targets: [{ Id: 'actions', Arn: actions.arn }] }));
    const failed = pipelineEvent(
      DETAIL_TYPES.action,
      {
        pipeline: 'webapp',
        version: 3,
        'execution-id': 'e-action',
        stage: 'Build',
        action: 'Compile',
        'action-execution-id': 'a-1',
        state: 'FAILED',
        type: { owner: 'AWS', category: 'Build', provider: 'CodeBuild', version: '1' },
        'execution-result': { 'external-execution-id': 'webapp:build-1', 'external-execution-summary': 'Build failed', 'error-code': 'JobFailed' },
      },
      { id: 'e-action-failed', time: '2025-01-01T12:00:00Z', pipelineArn: PIPELINE_ARN, startTime: '2025-01-01T11:59:00.000Z' },
    );

    await bus.publish(failed);

    const [delivered] = (await actions.receiveBodies(500)).map((body) => JSON.parse(body));
    // EventBridge sets the envelope's account and region to the publisher's; moto's SQS target leaves the account out.
    expect(delivered).toMatchObject({ source: 'sluice', region: REGION, 'detail-type': DETAIL_TYPES.action });
    expect(publishedEvent(delivered).detail).toEqual({
      ...failed.detail,
      'start-time': '2025-01-01T11:59:00.000Z',
      'pipeline-execution-attempt': 1,
      region: REGION,
    });
  });

  it("hands its targets the event's own id and millisecond time, which EventBridge replaces and cuts to the second", async () => {
    const failed = { ...pipelineState('FAILED', 'e-published'), time: '2025-01-01T12:00:00.123Z' };

    await bus.publish(failed);

    const [delivered] = (await failures.receiveBodies(500)).map((body) => JSON.parse(body));
    expect(delivered.id).not.toBe(failed.id);
    // moto leaves out the account, which EventBridge sets to the publisher's: the one of the pipeline ARN.
    const { account, ...withoutAccount } = failed;
    expect(account).toBe(ACCOUNT);
    expect(publishedEvent(delivered)).toMatchObject(withoutAccount);
    expect(publishedEvent(delivered).detail).toEqual(failed.detail);
  });

  it("announces an audit record under Sluice's source and its own detail-type, which the pipeline events' patterns leave out", async () => {
    const records = await SqsQueue.create(uniqueName('audit-records'));
    const rule = uniqueName('audit');
    await events.send(
      new PutRuleCommand({ Name: rule, EventBusName: busName, EventPattern: JSON.stringify({ source: ['sluice'], 'detail-type': [AUDIT_DETAIL_TYPE] }) }),
    );
    await events.send(new PutTargetsCommand({ Rule: rule, EventBusName: busName, Targets: [{ Id: 'audit', Arn: records.arn }] }));

    await bus.publishAuditRecord(STOP_RECORD);

    const delivered = (await records.receiveBodies(500)).map((body) => JSON.parse(body));
    expect(delivered).toEqual([expect.objectContaining({ source: 'sluice', 'detail-type': 'Sluice Audit Record', detail: STOP_RECORD })]);
    expect(await failures.receiveBodies(100)).toEqual([]);
  });

  it('throws, naming the error code, when EventBridge refuses the entry', async () => {
    // moto answers InvalidArgument for an entry without a detail-type, as EventBridge does.
    const refused = { ...pipelineState('FAILED', 'e-refused'), 'detail-type': '' } as unknown as PipelineEvent;

    await expect(bus.publish(refused)).rejects.toThrow(/InvalidArgument/);
  });
});
