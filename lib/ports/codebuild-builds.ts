import type { S3Location } from './blob-store';

/** What Sluice reads of a CodeBuild build once it has ended: BatchGetBuilds' Build, in part. */
export interface BuildRecord {
  id: string;
  /** CodeBuild's BuildStatus: SUCCEEDED, FAILED, FAULT, TIMED_OUT, IN_PROGRESS or STOPPED. */
  status: string;
  exportedVariables: Record<string, string>;
  /** The build's log in the console. */
  deepLink?: string;
  /** The log object that S3 logging wrote. */
  s3Log?: S3Location;
  /** The results of the buildspec's report groups, failed test cases first, when a local build read them. */
  reportsSummary?: string;
  /** The first phase that did not succeed, with its phase context message. */
  failedPhase?: { phase: string; status?: string; message?: string };
}

/** One build of a batch build, as its build group reports it. */
export interface BatchBuildRecord {
  /** The buildspec's identifier of the build (build-list, build-graph), or the one CodeBuild gave it (build-matrix, build-fanout). */
  identifier: string;
  /** The build's id, `<project>:<uuid>`, once it has started. */
  buildId?: string;
  /** CodeBuild's BuildStatus of the group's current build. */
  status: string;
  /** Whether the batch succeeds even if this build fails (the buildspec's ignore-failure). */
  ignoreFailure: boolean;
  primaryArtifact?: S3Location;
  /** The build's secondary artifacts, by the buildspec's artifact identifier. */
  secondaryArtifacts: { identifier: string; location: S3Location }[];
}

/** What Sluice reads of a CodeBuild batch build once it has ended: BatchGetBuildBatches' BuildBatch, in part. */
export interface BuildBatchRecord {
  id: string;
  /** CodeBuild's StatusType: SUCCEEDED, FAILED, FAULT, TIMED_OUT, IN_PROGRESS or STOPPED. */
  status: string;
  builds: BatchBuildRecord[];
  /** The batch in CodeBuild's console. */
  consoleLink?: string;
  /** The first phase of the batch that did not succeed, with its phase context message. */
  failedPhase?: { phase: string; status?: string; message?: string };
}

/** Builds by id: BatchGetBuilds on AWS, the builds this process ran locally. */
export interface CodeBuildBuilds {
  /** Undefined when CodeBuild knows no such build. */
  getBuild(id: string): Promise<BuildRecord | undefined>;
  /** Undefined when CodeBuild knows no such batch build. */
  getBuildBatch(id: string): Promise<BuildBatchRecord | undefined>;
}
