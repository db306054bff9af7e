/** A Manual approval waiting for, or given, a decision. */
export interface ApprovalRecord {
  /** Opaque and unguessable: the only thing the approval mail carries. */
  approvalId: string;
  /** CodePipeline's approval token, as GetPipelineState shows it and PutApprovalResult takes it. */
  token: string;
  /** The engine's task token; it never leaves the server. */
  taskToken: string;
  /** The CSRF nonce the confirmation page's form must send back. */
  nonce: string;
  pipelineName: string;
  pipelineVersion: number;
  pipelineExecutionId: string;
  stageName: string;
  actionName: string;
  customData?: string;
  externalEntityLink?: string;
  /** Deciding: a decider holds it while it tells the waiting Task; `decision` is what it tells. */
  status: 'Pending' | 'Deciding' | 'Approved' | 'Rejected' | 'Expired';
  createdAt: string;
  expiresAt: string;
  decision?: ApprovalDecision;
}

export interface ApprovalDecision {
  status: 'Approved' | 'Rejected' | 'Expired';
  approver: string;
  summary?: string;
  at: string;
  ip?: string;
  userAgent?: string;
}

export interface ApprovalStore {
  createApproval(record: ApprovalRecord): Promise<void>;
  getApproval(approvalId: string): Promise<ApprovalRecord | undefined>;
  /**
   * Records the decision if the approval is still Pending: one conditional write, so that of two
   * decisions only one wins. Returns the record as it stands afterwards, and whether this call won.
   */
  decide(approvalId: string, decision: ApprovalDecision): Promise<{ decided: boolean; record: ApprovalRecord | undefined }>;
  /**
   * Pending to Deciding, holding `decision`: one conditional write, so that of two deciders only
   * one goes on to tell the Task. Returns the record as it stands afterwards, and whether this call won.
   */
  claimDecision(approvalId: string, decision: ApprovalDecision): Promise<{ claimed: boolean; record: ApprovalRecord | undefined }>;
  /** Deciding to the decision's status: what the holder of the claim found when it told the Task. */
  completeDecision(approvalId: string, decision: ApprovalDecision): Promise<ApprovalRecord>;
  /** Deciding back to Pending, without a decision: the Task could not be told, and may be later. */
  releaseDecision(approvalId: string): Promise<void>;
  /** A retried Task waits on a new task token: the pending approval resumes that one instead. */
  replaceTaskToken(approvalId: string, taskToken: string): Promise<void>;
  /** Deletes an approval, with its execution; one that is not there is no error. */
  deleteApproval(approvalId: string): Promise<void>;
}
