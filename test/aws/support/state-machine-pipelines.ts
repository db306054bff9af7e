import { CreateStateMachineCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { providerCatalog } from '../../../lib/actions/registry';
import { compilePipeline } from '../../../lib/core/compile';
import type { PipelineDeclaration } from '../../../lib/core/declaration';
import type { ExecutionStore } from '../../../lib/ports/execution-store';
import { ACCOUNT } from './moto-clients';

/** The role the state machines of these pipelines run as, in moto's account. */
export const STATE_MACHINE_ROLE = `arn:aws:iam::${ACCOUNT}:role/sluice-states`;

/**
 * Registers version 1 of a pipeline of stage `stage` in `region`, as create-pipeline --target aws
 * does, but on the state machine itself: moto 5.2 cannot start an execution on a published version
 * (test/aws/aws-pipeline-operations.test.ts). Returns the state machine's ARN.
 */
export async function registerOnStateMachine(
  clients: { sfn: SFNClient; store: Pick<ExecutionStore, 'putPipelineVersion'> },
  where: { region: string; stage: string },
  pipeline: PipelineDeclaration,
): Promise<string> {
  const functionArn = (name: string) => `arn:aws:lambda:${where.region}:${ACCOUNT}:function:sluice-${name}`;
  const functions = { stageStep: functionArn('stage-step'), actionRunner: functionArn('action-runner'), approvalRequest: functionArn('approval-request') };
  const { definition } = compilePipeline({ ...pipeline, version: 1 }, providerCatalog, functions);
  const { stateMachineArn } = await clients.sfn.send(
    new CreateStateMachineCommand({ name: `sluice-${where.stage}-${pipeline.name}`, definition: JSON.stringify(definition), roleArn: STATE_MACHINE_ROLE }),
  );
  await clients.store.putPipelineVersion({
    name: pipeline.name,
    version: 1,
    declaration: { ...pipeline, version: 1 },
    created: new Date().toISOString(),
    stateMachineArn: stateMachineArn!,
    versionArn: stateMachineArn!,
  });
  return stateMachineArn!;
}
