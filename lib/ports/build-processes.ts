/**
 * Keeps a record of the processes each local build starts, so that none of them outlives the
 * process that owns the build, even when that process is killed.
 */
export interface BuildProcessTracker {
  /** Records a build before its shell starts. */
  track(): Promise<TrackedBuild>;
}

export interface TrackedBuild {
  /** Variables for every process of the build, by which they are found again after a crash. */
  readonly environment: Record<string, string>;
  /** The build's shell has started, leading its own process group `groupId`. */
  started(groupId: number): Promise<void>;
  /** The owner is about to kill the group itself: nothing else may kill that group id from now on. */
  ending(): void;
  /** Every process of the build is gone. */
  ended(): Promise<void>;
}
