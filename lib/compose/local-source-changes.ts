import type { EmbeddedStack } from '../adapters/local/embedded-stack';
import { handleSourceEvent, type SourceChangeTriggerDependencies } from '../execution/source-change-trigger';

export interface LocalSourceChangeOptions {
  /** Sluice's own bucket: artifacts and logs written there never start anything. */
  artifactBucket: string;
  /** Keeps the handling of an event until it settles, so that closing waits for it. */
  track(work: Promise<void>): void;
  write(line: string): void;
}

/**
 * Under `sluice serve`, each object written to the embedded S3 starts the pipelines whose S3
 * source reads it, through the same handling as S3's Object Created events on AWS. Returns what
 * stops it.
 */
export function startPipelinesOnNewObjects(
  stack: Pick<EmbeddedStack, 'onObjectCreated'>,
  deps: SourceChangeTriggerDependencies,
  options: LocalSourceChangeOptions,
): () => void {
  return stack.onObjectCreated((event) => {
    const { bucket, object } = event.detail;
    if (bucket.name === options.artifactBucket) return;
    const url = `s3://${bucket.name}/${object.key}`;
    options.track(
      handleSourceEvent(deps, event).then(
        (outcome) => {
          if (outcome.kind !== 'matched') return;
          for (const { pipelineName, reason } of outcome.failed) options.write(`warning: ${url}: pipeline ${pipelineName}: ${reason}`);
        },
        (error: unknown) => options.write(`warning: could not start the pipelines that read ${url}: ${(error as Error).message}`),
      ),
    );
  });
}
