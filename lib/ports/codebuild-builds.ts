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

/** Builds by id: BatchGetBuilds on AWS, the builds this process ran locally. */
export interface CodeBuildBuilds {
  /** Undefined when CodeBuild knows no such build. */
  getBuild(id: string): Promise<BuildRecord | undefined>;
}
