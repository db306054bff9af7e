import { artifactStoreOf } from '../core/compile';
import type { InstallationSettings } from '../core/installation-settings';
import {
  executionsToPrune,
  parsePruneOptions,
  retentionPolicy,
  type PrunedPipeline,
  type PruneOptions,
  type PruneReport,
  type RetentionPolicy,
} from '../core/retention';
import type { ApprovalStore } from '../ports/approval-store';
import type { BlobStore, S3Location } from '../ports/blob-store';
import type { ExecutionStore, PipelineExecutionRecord } from '../ports/execution-store';
import type { MailArchive } from '../ports/mail-archive';
import { executionLogPrefix } from '../artifacts/action-log';
import { regionalCopiesOf } from './cross-region-artifacts';

export interface PruneDependencies {
  store: Pick<ExecutionStore, 'listAllExecutions' | 'listActions' | 'deleteExecution' | 'listExpiredDeliveries' | 'deleteExpiredDelivery'>;
  approvals: Pick<ApprovalStore, 'deleteApproval'>;
  blobs: Pick<BlobStore, 'listKeys' | 'delete'>;
  /** S3 of another region, where cross-region actions left copies of the artifacts; `blobs` where absent. */
  blobsIn?: (region: string) => Pick<BlobStore, 'delete'>;
  artifactBucket: string;
  mails: MailArchive;
  clock: () => Date;
}

/** What a local installation's retention reads: its kept mails and its settings, read anew at each use. */
export type InstallationPruneDependencies = PruneDependencies & { installationSettings: () => Promise<InstallationSettings> };

/**
 * PruneExecutions of a local installation: its settings' retention policy, with the options over
 * it. Prunes one at a time: serve's periodic prune and a `sluice prune` never delete the same things together.
 */
export function installationPruning(deps: InstallationPruneDependencies): (options: PruneOptions) => Promise<PruneReport> {
  let pruning: Promise<unknown> = Promise.resolve();
  return (options) => {
    const { dryRun, ...overrides } = parsePruneOptions(options);
    const prune = async () => {
      const policy = retentionPolicy((await deps.installationSettings()).retention, overrides);
      return pruneExecutions(deps, policy, { dryRun });
    };
    const pruned = pruning.then(prune, prune);
    pruning = pruned.catch(() => undefined);
    return pruned;
  };
}

/** Everything that goes with one execution. */
interface ExecutionContents {
  artifacts: S3Location[];
  /** The copies of those artifacts that its cross-region actions read and wrote, in the stores of their regions. */
  regionalCopies: { region: string; location: S3Location }[];
  logs: S3Location[];
  mails: string[];
  approvalIds: string[];
}

/**
 * Deletes the finished executions that `policy` lets go, each together with its artifacts, logs,
 * approvals, events and mails, and sweeps expired delivery ids. A dry run deletes nothing and
 * reports what would go.
 *
 * Each output artifact has a key of its own, and an action reads only the artifacts of its own
 * execution, so the artifacts of a pruned execution are used by no other: they go with it. Only
 * objects under the pipeline's own prefix in the artifact bucket are deleted, never a user's.
 */
export async function pruneExecutions(deps: PruneDependencies, policy: RetentionPolicy, { dryRun = false } = {}): Promise<PruneReport> {
  const now = deps.clock();
  const pruned = executionsToPrune(await deps.store.listAllExecutions(), policy, now);
  const mails = pruned.length > 0 ? await deps.mails.mailsByExecution() : new Map<string, string[]>();
  const pipelines = new Map<string, PrunedPipeline>();
  for (const execution of pruned) {
    const contents = await contentsOf(deps, execution, mails);
    if (!dryRun) await deleteExecution(deps, execution, contents);
    const counts = pipelines.get(execution.pipelineName) ?? { pipelineName: execution.pipelineName, executions: 0, artifacts: 0, logs: 0, mails: 0 };
    pipelines.set(execution.pipelineName, {
      ...counts,
      executions: counts.executions + 1,
      artifacts: counts.artifacts + contents.artifacts.length,
      logs: counts.logs + contents.logs.length,
      mails: counts.mails + contents.mails.length,
    });
  }
  const expiredDeliveries = await sweepExpiredDeliveries(deps, now, dryRun);
  return { dryRun, policy, pipelines: [...pipelines.values()].sort((a, b) => a.pipelineName.localeCompare(b.pipelineName)), expiredDeliveries };
}

async function contentsOf(deps: PruneDependencies, execution: PipelineExecutionRecord, mails: Map<string, string[]>): Promise<ExecutionContents> {
  // Each execution's artifacts and logs are in its own pipeline's artifact store.
  const { bucketName } = artifactStoreOf(execution, deps.artifactBucket);
  const ownObject = (location: S3Location) => location.bucketName === bucketName && location.objectKey.startsWith(`${execution.pipelineName}/`);
  const actions = await deps.store.listActions(execution.pipelineExecutionId);
  const artifacts = actions.flatMap((action) => (action.output?.outputArtifacts ?? []).map((artifact) => artifact.s3location)).filter(ownObject);
  const logKeys = await deps.blobs.listKeys(
    bucketName,
    executionLogPrefix({ pipelineName: execution.pipelineName, executionId: execution.pipelineExecutionId }),
  );
  return {
    artifacts: uniqueLocations(artifacts),
    regionalCopies: uniqueLocations(artifacts).flatMap((location) => regionalCopiesOf(execution, location)),
    logs: logKeys.map((objectKey) => ({ bucketName, objectKey })),
    mails: mails.get(execution.pipelineExecutionId) ?? [],
    approvalIds: actions.flatMap((action) => (action.approval ? [action.approval.approvalId] : [])),
  };
}

/**
 * Objects first and the execution's record last: an interrupted prune leaves the execution
 * listed, with less behind it, and the next prune finishes it.
 */
async function deleteExecution(deps: PruneDependencies, execution: PipelineExecutionRecord, contents: ExecutionContents): Promise<void> {
  for (const { region, location } of contents.regionalCopies) await (deps.blobsIn?.(region) ?? deps.blobs).delete(location);
  for (const location of [...contents.artifacts, ...contents.logs]) await deps.blobs.delete(location);
  for (const mail of contents.mails) await deps.mails.delete(mail);
  for (const approvalId of contents.approvalIds) await deps.approvals.deleteApproval(approvalId);
  await deps.store.deleteExecution(execution.pipelineExecutionId);
}

/** The embedded DynamoDB keeps expired items for ever, so expired delivery ids are deleted here. */
async function sweepExpiredDeliveries(deps: PruneDependencies, now: Date, dryRun: boolean): Promise<number> {
  const nowEpochSeconds = Math.floor(now.getTime() / 1000);
  const expired = await deps.store.listExpiredDeliveries(nowEpochSeconds);
  if (!dryRun) for (const id of expired) await deps.store.deleteExpiredDelivery(id, nowEpochSeconds);
  return expired.length;
}

function uniqueLocations(locations: S3Location[]): S3Location[] {
  return [...new Map(locations.map((location) => [`${location.bucketName}/${location.objectKey}`, location])).values()];
}
