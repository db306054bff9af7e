/** GitHub's commit states: its statuses API has no neutral state. */
export type CommitState = 'pending' | 'success' | 'failure' | 'error';

export interface CommitStatus {
  /** `owner/name`. */
  repository: string;
  sha: string;
  state: CommitState;
  /** The check's name on the commit, such as `sluice/<pipeline>`: a later status with the same context replaces it. */
  context: string;
  description: string;
  /** Where the check's details link to. */
  targetUrl?: string;
}

/** Where the outcome of building a commit is reported: GitHub's commit statuses API. */
export interface CommitStatusReporter {
  report(status: CommitStatus): Promise<void>;
}
