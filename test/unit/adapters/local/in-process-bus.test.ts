import { InProcessBus } from '../../../../lib/adapters/local/in-process-bus';
import { DETAIL_TYPES, pipelineEvent, type PipelineEvent } from '../../../../lib/core/events';
import { eventMeta } from '../../../support/pipeline-events';

const base = { pipeline: 'webapp', version: 1, 'execution-id': 'e-1' };
const started = pipelineEvent(DETAIL_TYPES.pipeline, { ...base, state: 'STARTED' }, eventMeta({ id: '1' }));
const buildFailed = pipelineEvent(DETAIL_TYPES.stage, { ...base, stage: 'Build', state: 'FAILED' }, eventMeta({ id: '2' }));
const failed = pipelineEvent(DETAIL_TYPES.pipeline, { ...base, state: 'FAILED' }, eventMeta({ id: '3' }));

describe('InProcessBus', () => {
  it('delivers to each rule the events its pattern matches, in order, beside every subscriber', async () => {
    const bus = new InProcessBus();
    const seen: string[] = [];
    bus.subscribe((event) => {
      seen.push(`subscriber ${event.id}`);
    });
    const target = (name: string) => async (event: PipelineEvent) => {
      seen.push(`${name} ${event.id}`);
    };
    bus.putRule({ name: 'failures', pattern: { source: ['sluice'], detail: { state: ['FAILED'] } }, target: target('failures') });
    bus.putRule({ name: 'pipelines', pattern: { 'detail-type': [DETAIL_TYPES.pipeline] }, target: target('pipelines') });

    for (const event of [started, buildFailed, failed]) await bus.publish(event);

    expect(seen).toEqual(['subscriber 1', 'pipelines 1', 'subscriber 2', 'failures 2', 'subscriber 3', 'failures 3', 'pipelines 3']);
  });

  it('stops delivering to a rule once it is removed', async () => {
    const bus = new InProcessBus();
    const seen: string[] = [];
    const remove = bus.putRule({ name: 'all', pattern: { source: ['sluice'] }, target: async (event) => void seen.push(event.id) });

    await bus.publish(started);
    remove();
    await bus.publish(failed);

    expect(seen).toEqual(['1']);
  });

  it('waits for a rule target before publish resolves', async () => {
    const bus = new InProcessBus();
    let delivered = false;
    bus.putRule({
      name: 'slow',
      pattern: { source: ['sluice'] },
      target: async () => {
        await new Promise((resolve) => setTimeout(resolve, 10));
        delivered = true;
      },
    });

    await bus.publish(started);

    expect(delivered).toBe(true);
  });
});
