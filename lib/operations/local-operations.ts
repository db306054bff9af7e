import type { InstallationSettings } from '../core/installation-settings';
import { parsePruneOptions, retentionPolicy, type PruneOptions, type PruneReport } from '../core/retention';
import { pruneExecutions, type PruneDependencies } from '../execution/prune-executions';
import { PipelineOperations, type OperationsDependencies, type StartInBackground } from './pipeline-operations';
import type { PrunableSluiceApi } from './sluice-api';

/** What a local installation adds: its kept mails and its settings, read anew at each use. */
export type LocalOperationsDependencies = OperationsDependencies & Pick<PruneDependencies, 'mails'> & {
  installationSettings: () => Promise<InstallationSettings>;
};

/** The SluiceApi of a local installation: CodePipeline's operations, and the retention of its data. */
export class LocalOperations extends PipelineOperations implements PrunableSluiceApi {
  /** Prunes one at a time: serve's periodic prune and a `sluice prune` never delete the same things together. */
  private pruning: Promise<unknown> = Promise.resolve();

  constructor(
    protected override readonly deps: LocalOperationsDependencies,
    startInBackground?: StartInBackground,
  ) {
    super(deps, startInBackground);
  }

  pruneExecutions(options: PruneOptions): Promise<PruneReport> {
    const { dryRun, ...overrides } = parsePruneOptions(options);
    const prune = async () => {
      const policy = retentionPolicy((await this.deps.installationSettings()).retention, overrides);
      return pruneExecutions(this.deps, policy, { dryRun });
    };
    const pruned = this.pruning.then(prune, prune);
    this.pruning = pruned.catch(() => undefined);
    return pruned;
  }
}
