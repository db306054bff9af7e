/** GitHub's commit states, which each host's adapter maps to its own: GitHub's statuses API has no neutral state. */
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
  /** The connection of the source action that builds the commit: its host gets the status (GitHub's when none). */
  connectionArn?: string;
}

/** Where the outcome of building a commit is reported: the commit statuses API of its host. */
export interface CommitStatusReporter {
  report(status: CommitStatus): Promise<void>;
}
