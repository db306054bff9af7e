import type { LatestRevision } from '../../../lib/actions/action-provider';
import type { ActionDeclaration } from '../../../lib/core/declaration';
import { sourcePoll } from '../../../lib/execution/source-polling';
import { pipelineRecord, triggerDependencies } from '../../support/trigger-dependencies';

const s3Source = (PollForSourceChanges?: string): ActionDeclaration => ({
  name: 'Fetch',
  actionTypeId: { category: 'Source', owner: 'AWS', provider: 'S3', version: '1' },
  configuration: { S3Bucket: 'sources', S3ObjectKey: 'app.zip', ...(PollForSourceChanges ? { PollForSourceChanges } : {}) },
  outputArtifacts: [{ name: 'Src' }],
});

const version = (id: string): LatestRevision => ({
  revision: { revisionType: 'S3_OBJECT_VERSION_ID', revisionValue: id },
  marker: id,
  description: `s3://sources/app.zip version ${id}`,
});

/**
 * A poll over `records`, whose sources are at the revisions `revisions` gives, one look after
 * another; `again` is another poll on the same store, as a process started later makes.
 */
function poller(records: ReturnType<typeof pipelineRecord>[], revisions: (LatestRevision | undefined | Error)[]) {
  const { deps, start } = triggerDependencies(records);
  const lines: string[] = [];
  const read = jest.fn(async () => {
    const next = revisions.shift();
    if (next instanceof Error) throw next;
    return next;
  });
  const again = () => sourcePoll({ store: deps.store, start, latestRevision: read, write: (line) => lines.push(line) });
  return { poll: again(), again, start, read, lines, store: deps.store };
}

describe('sourcePoll', () => {
  it('notes the revision at the first look, and starts the pipeline pinned to a new one, as PollForSourceChanges', async () => {
    const { poll, start, lines } = poller([pipelineRecord('polled', s3Source('true'))], [version('v1'), version('v1'), version('v2')]);

    await poll();
    await poll();
    expect(start).not.toHaveBeenCalled();
    await poll();

    expect(start).toHaveBeenCalledTimes(1);
    expect(start).toHaveBeenCalledWith(
      expect.objectContaining({ name: 'polled' }),
      {},
      { triggerType: 'PollForSourceChanges', triggerDetail: 's3://sources/app.zip version v2' },
      [{ actionName: 'Fetch', revisionType: 'S3_OBJECT_VERSION_ID', revisionValue: 'v2' }],
    );
    expect(lines).toEqual([
      'polled/Fetch: polling s3://sources/app.zip version v1; a change to it starts the pipeline',
      'polled/Fetch: s3://sources/app.zip version v2 started execution polled-execution',
    ]);
  });

  it('starts on the first revision that appears after a look found none', async () => {
    const { poll, start, lines } = poller([pipelineRecord('polled', s3Source('true'))], [undefined, undefined, version('v1')]);

    await poll();
    await poll();
    await poll();

    expect(start.mock.calls.map(([, , trigger]) => trigger.triggerDetail)).toEqual(['s3://sources/app.zip version v1']);
    expect(lines[0]).toBe('polled/Fetch: polling its source, which has no revision yet; a change to it starts the pipeline');
  });

  it('keeps what it noted in the store: a poll that starts later starts the pipeline on a change made before it began', async () => {
    const { poll, again, start, store } = poller([pipelineRecord('polled', s3Source('true'))], [version('v1'), version('v2'), version('v2')]);

    await poll();
    expect(await store.getPolledRevision('polled', 'Fetch')).toBe('v1');
    const restarted = again();
    await restarted();
    await restarted();

    expect(start.mock.calls.map(([, , , revisions]) => revisions)).toEqual([
      [{ actionName: 'Fetch', revisionType: 'S3_OBJECT_VERSION_ID', revisionValue: 'v2' }],
    ]);
    expect(await store.getPolledRevision('polled', 'Fetch')).toBe('v2');
  });

  it('starts nothing for a change that another poll noted first', async () => {
    const { poll, start, store } = poller([pipelineRecord('polled', s3Source('true'))], [version('v1'), version('v2')]);
    await poll();
    const getPolledRevision = store.getPolledRevision;
    // The other poll notes v2 between this one's read of the note and its write.
    store.getPolledRevision = async (pipelineName, actionName) => {
      const before = await getPolledRevision(pipelineName, actionName);
      await store.recordPolledRevision(pipelineName, actionName, 'v2', before);
      return before;
    };

    await poll();

    expect(start).not.toHaveBeenCalled();
    expect(await getPolledRevision('polled', 'Fetch')).toBe('v2');
  });

  it('notes an object that is gone, and starts on the next one to appear', async () => {
    const { poll, start } = poller([pipelineRecord('polled', s3Source('true'))], [version('v1'), undefined, version('v2')]);

    await poll();
    await poll();
    expect(start).not.toHaveBeenCalled();
    await poll();

    expect(start.mock.calls.map(([, , trigger]) => trigger.triggerDetail)).toEqual(['s3://sources/app.zip version v2']);
  });

  it('reads no source whose PollForSourceChanges is "false" or left out', async () => {
    const { poll, read } = poller([pipelineRecord('evented', s3Source('false')), pipelineRecord('default', s3Source())], [version('v1')]);

    await poll();

    expect(read).not.toHaveBeenCalled();
  });

  it('warns of a source it cannot read, and of a pipeline it cannot start, and goes on', async () => {
    const records = [pipelineRecord('polled', s3Source('true'), [{ name: 'stage' }])];
    const { poll, lines } = poller(records, [new Error('Access Denied'), version('v1'), version('v2')]);

    await poll();
    await poll();
    await poll();

    expect(lines).toEqual([
      'warning: polled/Fetch: cannot poll its source, and tries again later: Access Denied',
      'polled/Fetch: polling s3://sources/app.zip version v1; a change to it starts the pipeline',
      'warning: polled/Fetch: s3://sources/app.zip version v2 could not start the pipeline: Variable stage has no default value',
    ]);
  });
});
