import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ActionDeclaration } from '../../../lib/core/declaration';
import type { S3ObjectCreatedEvent } from '../../../lib/core/source-change';
import { startPipelinesOnNewObjects } from '../../../lib/execution/object-created-trigger';
import type { SourceChangeTriggerDependencies } from '../../../lib/execution/source-change-trigger';
import type { PipelineVersionRecord } from '../../../lib/ports/execution-store';
import { ROOT } from '../../support/fixtures';
import { pipelineRecord, triggerDependencies } from '../../support/trigger-dependencies';

const sample: S3ObjectCreatedEvent = JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/events', 's3-object-created.json'), 'utf8'));
const BUCKET = sample.detail.bucket.name;

const objectCreated = (key: string): S3ObjectCreatedEvent => ({
  ...sample,
  id: `event-${key}`,
  detail: { ...sample.detail, object: { ...sample.detail.object, key } },
});

const s3Source = (S3ObjectKey: string): ActionDeclaration => ({
  name: 'Fetch',
  actionTypeId: { category: 'Source', owner: 'AWS', provider: 'S3', version: '1' },
  configuration: { S3Bucket: BUCKET, S3ObjectKey },
  outputArtifacts: [{ name: 'Src' }],
});

/** A store whose methods are on its prototype, as the real stores' are. */
class Store {
  constructor(
    private readonly listed: () => Promise<PipelineVersionRecord[]>,
    private readonly deliveries: SourceChangeTriggerDependencies['store'],
  ) {}

  listPipelines(): Promise<PipelineVersionRecord[]> {
    return this.listed();
  }

  recordDelivery(id: string, expiresAt: number, now: number): Promise<boolean> {
    return this.deliveries.recordDelivery(id, expiresAt, now);
  }
}

/** The trigger over `pipelines`, with the objects it is told of sent by `tell`. */
function trigger(pipelines: PipelineVersionRecord[], listPipelines?: () => Promise<PipelineVersionRecord[]>) {
  const { deps, start } = triggerDependencies(pipelines);
  const listed = jest.fn(listPipelines ?? deps.store.listPipelines);
  let listener: ((event: S3ObjectCreatedEvent) => void) | undefined;
  const running = startPipelinesOnNewObjects(
    (told) => {
      listener = told;
      return () => {
        listener = undefined;
      };
    },
    { ...deps, store: new Store(listed, deps.store) },
    { artifactBucket: 'sluice-artifacts', write: () => {} },
  );
  return { tell: (event: S3ObjectCreatedEvent) => listener!(event), stop: () => running.stop(), start, listed };
}

describe('startPipelinesOnNewObjects', () => {
  it('reads the pipelines twice, not once per object, for many objects written at once, and starts what reads one of them', async () => {
    const { tell, stop, start, listed } = trigger([pipelineRecord('reads-last', s3Source('key-49'))]);

    for (let index = 0; index < 50; index += 1) tell(objectCreated(`key-${index}`));
    await stop();

    expect(listed).toHaveBeenCalledTimes(2);
    expect(start).toHaveBeenCalledTimes(1);
    expect(start.mock.calls[0]![0].name).toBe('reads-last');
  });

  it('starts a pipeline registered while the pipelines were being read, for an object written after it', async () => {
    const pipelines: PipelineVersionRecord[] = [];
    let release: () => void = () => {};
    const firstRead = new Promise<void>((resolve) => {
      release = resolve;
    });
    let reads = 0;
    const { tell, stop, start } = trigger(pipelines, async () => {
      const copy = [...pipelines];
      if ((reads += 1) === 1) await firstRead;
      return copy;
    });

    tell(objectCreated('first'));
    pipelines.push(pipelineRecord('registered-since', s3Source('second')));
    tell(objectCreated('second'));
    release();
    await stop();

    expect(start).toHaveBeenCalledTimes(1);
    expect(start.mock.calls[0]![0].name).toBe('registered-since');
  });
});
