import type { AnyActionProvider, LatestRevision } from '../actions/action-provider';
import { providerCatalog } from '../actions/registry';
import type { ActionDeclaration } from '../core/declaration';
import { providerKey } from '../core/declaration-fields';
import { polledSourceActions } from '../core/source-change';
import type { ExecutionStore, PipelineVersionRecord } from '../ports/execution-store';
import type { ExecutionDependencies } from './dependencies';
import type { StartPinnedExecution } from './webhook-deliveries';

/**
 * What polling does to the source actions with PollForSourceChanges "true", as CodePipeline
 * polls them: each look reads the revision each one's source is at, and a revision that differs
 * from the one the last look noted starts the pipeline, pinned to it (trigger type
 * PollForSourceChanges). The first look at an action only notes its revision: polling starts on
 * changes, not on what was there before it began looking. The store keeps what each look noted,
 * so a change made while nothing polled starts the pipeline at the next look.
 */

export interface SourcePollDependencies {
  store: Pick<ExecutionStore, 'listPipelines' | 'getPolledRevision' | 'recordPolledRevision'>;
  start: StartPinnedExecution;
  /** The revision the source of a polled action is at now; undefined while it has none. */
  latestRevision(action: ActionDeclaration): Promise<LatestRevision | undefined>;
  /** Told what each look noted or started, and why a source could not be read or a pipeline started. */
  write(line: string): void;
}

/** What a look notes of a source that has no revision yet (no object, no branch): its first one is a change. */
const NO_REVISION = '';

/** One look at every polled source action of the registered pipelines. */
export type SourcePoll = () => Promise<void>;

/** A poll that notes in the store, from one look to the next, the revision each polled action's source was at. */
export function sourcePoll(deps: SourcePollDependencies): SourcePoll {
  async function look(record: PipelineVersionRecord, action: ActionDeclaration): Promise<void> {
    const where = `${record.name}/${action.name}`;
    let latest: LatestRevision | undefined;
    try {
      latest = await deps.latestRevision(action);
    } catch (error) {
      return deps.write(`warning: ${where}: cannot poll its source, and tries again later: ${(error as Error).message}`);
    }
    const marker = latest?.marker ?? NO_REVISION;
    const before = await deps.store.getPolledRevision(record.name, action.name);
    if (before === marker) return;
    // Another look that saw the same change noted it first, and starts the pipeline itself.
    if (!(await deps.store.recordPolledRevision(record.name, action.name, marker, before))) return;
    if (before === undefined) {
      return deps.write(`${where}: polling ${latest ? latest.description : 'its source, which has no revision yet'}; a change to it starts the pipeline`);
    }
    if (!latest) return;
    try {
      const executionId = await deps.start(record, {}, { triggerType: 'PollForSourceChanges', triggerDetail: latest.description }, [
        { actionName: action.name, ...latest.revision },
      ]);
      deps.write(`${where}: ${latest.description} started execution ${executionId}`);
    } catch (error) {
      deps.write(`warning: ${where}: ${latest.description} could not start the pipeline: ${(error as Error).message}`);
    }
  }

  return async () => {
    const pipelines = await deps.store.listPipelines();
    await Promise.all(pipelines.flatMap((record) => polledSourceActions(record.declaration, providerCatalog).map((action) => look(record, action))));
  };
}

/**
 * How a poll reads a polled action's source: with its provider's latestRevision, through the
 * runtime's S3 and CodeCommit access. The provider is the runtime's own, unless `providerOf`
 * finds it otherwise (the source poll function loads each polled provider's code when first needed).
 */
export function providerLatestRevision(
  deps: Pick<ExecutionDependencies, 'providers' | 'blobs' | 'codeCommit'>,
  providerOf: (key: string) => Promise<AnyActionProvider | undefined> = async (key) => deps.providers.get(key),
): SourcePollDependencies['latestRevision'] {
  return async (action) => {
    const provider = await providerOf(providerKey(action.actionTypeId));
    if (!provider?.latestRevision) throw new Error(`${action.actionTypeId.provider} source actions cannot be polled.`);
    return provider.latestRevision({ action, blobs: deps.blobs, codeCommit: deps.codeCommit });
  };
}
