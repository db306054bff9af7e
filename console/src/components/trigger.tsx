import type { ExecutionTrigger } from '../../../lib/ports/execution-store';

/** What started an execution, in CodePipeline's trigger words. */
export const TRIGGER_LABELS: Record<ExecutionTrigger['triggerType'], string> = {
  CreatePipeline: 'Pipeline created',
  StartPipelineExecution: 'Started by hand',
  PollForSourceChanges: 'Source change (polled)',
  Webhook: 'Webhook',
  CloudWatchEvent: 'Event rule',
  PutActionRevision: 'Action revision',
  WebhookV2: 'Webhook',
  ManualRollback: 'Rollback by hand',
  AutomatedRollback: 'Automatic rollback',
};

export function Trigger({ trigger }: { trigger: ExecutionTrigger }) {
  return (
    <span class="trigger">
      {TRIGGER_LABELS[trigger.triggerType] ?? trigger.triggerType}
      {trigger.triggerDetail && <span class="muted"> ({trigger.triggerDetail})</span>}
    </span>
  );
}
