/** A mail to send. Each adapter sends it from its own address. */
export interface MailMessage {
  to: string[];
  subject: string;
  text: string;
  html?: string;
  /** The execution the mail is about: a kept copy goes with it when retention deletes it. */
  executionId?: string;
}

/** Where notifications go: SNS email subscriptions on AWS; locally the outbox, and SMTP when it is set up. */
export interface Notifier {
  send(message: MailMessage): Promise<void>;
}

/** The message CodePipeline sends for a Manual approval, plus Sluice's review link. */
export interface ApprovalRequest {
  notificationArn?: string;
  subject: string;
  pipelineExecutionId: string;
  /** CodePipeline's approval JSON fields. */
  approval: {
    pipelineName: string;
    stageName: string;
    actionName: string;
    token: string;
    expires: string;
    externalEntityLink?: string;
    approvalReviewLink: string;
    customData?: string;
  };
  text: string;
}
