import { BadInputError } from '../../core/errors';
import type { BuildBatchRecord, BuildRecord, CodeBuildBuilds } from '../../ports/codebuild-builds';

/**
 * The builds that local CodeBuild ran, for the CodeBuild steps to read as BatchGetBuilds would.
 * Each execution run has its own, so none outlives the run.
 */
export class LocalCodeBuildBuilds implements CodeBuildBuilds {
  private readonly builds = new Map<string, BuildRecord>();

  record(build: BuildRecord): void {
    this.builds.set(build.id, build);
  }

  async getBuild(id: string): Promise<BuildRecord | undefined> {
    return this.builds.get(id);
  }

  /** Validation refuses BatchEnabled locally, so no batch build ever reaches this. */
  async getBuildBatch(id: string): Promise<BuildBatchRecord | undefined> {
    throw new BadInputError(`Batch build ${id}: batch builds run on the AWS runtime only; the local CodeBuild runs one build per action.`);
  }
}
