import type { S3ObjectCreatedEvent } from '../core/source-change';
import { handleSourceEvent, type SourceChangeTriggerDependencies } from './source-change-trigger';

export interface ObjectCreatedTriggerOptions {
  /** Sluice's own bucket: artifacts and logs written there never start anything. */
  artifactBucket: string;
  write(line: string): void;
}

/** Where objects are written: each new one is told, until the returned function unsubscribes. */
export type ObjectCreatedEvents = (listener: (event: S3ObjectCreatedEvent) => void) => () => void;

/**
 * Under `sluice serve`, each object written to the embedded S3 starts the pipelines whose S3
 * source reads it, through the same handling as S3's Object Created events on AWS. Stopping
 * unsubscribes, and settles once the handling of every event told so far has.
 */
export function startPipelinesOnNewObjects(
  onObjectCreated: ObjectCreatedEvents,
  deps: SourceChangeTriggerDependencies,
  options: ObjectCreatedTriggerOptions,
): { stop(): Promise<void> } {
  const handling = new Set<Promise<void>>();
  const store: SourceChangeTriggerDependencies['store'] = {
    listPipelines: sharedWhileRunning(() => deps.store.listPipelines()),
    recordDelivery: (...delivery) => deps.store.recordDelivery(...delivery),
  };
  const unsubscribe = onObjectCreated((event) => {
    const { bucket, object } = event.detail;
    if (bucket.name === options.artifactBucket) return;
    const url = `s3://${bucket.name}/${object.key}`;
    const work = handleSourceEvent({ ...deps, store }, event).then(
      (outcome) => {
        if (outcome.kind !== 'matched') return;
        for (const { pipelineName, reason } of outcome.failed) options.write(`warning: ${url}: pipeline ${pipelineName}: ${reason}`);
      },
      (error: unknown) => options.write(`warning: could not start the pipelines that read ${url}: ${(error as Error).message}`),
    );
    handling.add(work);
    void work.finally(() => handling.delete(work));
  });
  return {
    async stop() {
      unsubscribe();
      await Promise.allSettled([...handling]);
    },
  };
}

/**
 * `read`, shared by the calls that come while it runs: they wait for it to end, then share one
 * more read, which starts after all of them came. Each caller sees the pipelines as they were
 * when it called, or later; a deploy of hundreds of objects reads them a few times, not once per
 * object, and leaves the embedded stack to the uploads.
 */
function sharedWhileRunning<T>(read: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  let next: Promise<T> | undefined;
  const start = () => {
    running = read().finally(() => {
      running = undefined;
    });
    return running;
  };
  return () => {
    if (!running) return start();
    next ??= running
      .catch(() => undefined)
      .then(() => {
        next = undefined;
        return start();
      });
    return next;
  };
}
