import type { DeploymentInfo, DeploymentTarget, LifecycleEvent } from '@aws-sdk/client-codedeploy';
import { BadInputError } from '../core/errors';
import { artifactCounts, awsClientFor, type ActionInProgress, type ActionOutcome, type ActionProvider } from './action-provider';
import { continued, lookAgain, type PollingState, pollingCost } from './polling';
import type { ProviderSpec } from '../core/providers';

interface Deploying extends PollingState {
  deploymentId: string;
}

/** The statuses a deployment ends in; it is still going in any other (Created, Queued, InProgress, Baking, Ready). */
const ENDED = ['Succeeded', 'Failed', 'Stopped'];

function lifecycleEventsOf(target: DeploymentTarget): LifecycleEvent[] {
  return (target.instanceTarget ?? target.lambdaTarget ?? target.ecsTarget ?? target.cloudFormationTarget)?.lifecycleEvents ?? [];
}

function targetIdOf(target: DeploymentTarget): string | undefined {
  return (target.instanceTarget ?? target.lambdaTarget ?? target.ecsTarget ?? target.cloudFormationTarget)?.targetId;
}

/**
 * Why a deployment failed, as precisely as CodeDeploy tells it: the failed lifecycle event of the
 * first failed target, with its script's diagnostics, else the deployment's error information.
 */
export function deploymentFailure(deployment: DeploymentInfo, failedTargets: DeploymentTarget[]): string {
  for (const target of failedTargets) {
    const event = lifecycleEventsOf(target).find((candidate) => candidate.status === 'Failed');
    if (!event) continue;
    const diagnostics = event.diagnostics;
    const details = [diagnostics?.errorCode, diagnostics?.scriptName && `script ${diagnostics.scriptName}`, diagnostics?.message].filter(Boolean).join(', ');
    const tail = diagnostics?.logTail?.trim() ? `\n${diagnostics.logTail.trim()}` : '';
    return `${event.lifecycleEventName} failed on ${targetIdOf(target)}${details ? `: ${details}` : ''}${tail}`;
  }
  const error = deployment.errorInformation;
  return [error?.code, error?.message].filter(Boolean).join(': ') || 'CodeDeploy gave no reason';
}

export const codeDeploySpec: ProviderSpec = {
  category: 'Deploy',
  owner: 'AWS',
  provider: 'CodeDeploy',
  version: '1',
  description: 'Deploys the input artifact, as a zip revision in S3, with a CodeDeploy deployment group, and waits for the deployment.',
  configuration: [
    { name: 'ApplicationName', required: true, description: 'The CodeDeploy application.' },
    { name: 'DeploymentGroupName', required: true, description: 'The deployment group.' },
  ],
  inputArtifacts: artifactCounts.one,
  outputArtifacts: artifactCounts.none,
  outputVariables: [],
  // CodeDeploy's agents fetch the revision from S3 themselves: locally the artifact lives in the
  // embedded S3 on this machine, which no deployment target can reach.
  runtimes: ['aws'],
  awsServices: ['codedeploy'],
  integration: 'polling',
  // An in-place deployment to a deployment group's instances, typically a few minutes.
  cost: pollingCost({ runnerMs: 2000, lookMs: 500, typicalMinutes: 5 }),
  iam: [
    {
      actions: ['codedeploy:CreateDeployment', 'codedeploy:GetDeployment', 'codedeploy:ListDeploymentTargets', 'codedeploy:BatchGetDeploymentTargets'],
      resources: ['arn:${AWS::Partition}:codedeploy:${AWS::Region}:${AWS::AccountId}:deploymentgroup:*'],
    },
    { actions: ['codedeploy:GetDeploymentConfig'], resources: ['arn:${AWS::Partition}:codedeploy:${AWS::Region}:${AWS::AccountId}:deploymentconfig:*'] },
    {
      actions: ['codedeploy:RegisterApplicationRevision', 'codedeploy:GetApplicationRevision'],
      resources: ['arn:${AWS::Partition}:codedeploy:${AWS::Region}:${AWS::AccountId}:application:*'],
    },
  ],
};

export const codeDeploy: ActionProvider<ActionOutcome | ActionInProgress> = {
  spec: codeDeploySpec,

  async run(context) {
    const { CodeDeployClient, CreateDeploymentCommand, GetDeploymentCommand, ListDeploymentTargetsCommand, BatchGetDeploymentTargetsCommand } =
      await import('@aws-sdk/client-codedeploy');
    const codedeploy = awsClientFor(context, CodeDeployClient);
    const { ApplicationName: applicationName, DeploymentGroupName: deploymentGroupName } = context.action.configuration!;
    const state = continued<Deploying>(context);
    // A deployment just created has not ended: the first look comes after the first wait.
    if (!state) {
      const { bucketName: bucket, objectKey: key } = context.inputArtifacts[0]!.location;
      const { deploymentId } = await codedeploy.send(
        new CreateDeploymentCommand({ applicationName, deploymentGroupName, revision: { revisionType: 'S3', s3Location: { bucket, key, bundleType: 'zip' } } }),
      );
      context.log(`Created deployment ${deploymentId} of s3://${bucket}/${key} to ${applicationName}/${deploymentGroupName}.\n`);
      return lookAgain({ deploymentId: deploymentId!, polls: 0 });
    }
    const { deploymentId } = state;
    const { deploymentInfo: deployment } = await codedeploy.send(new GetDeploymentCommand({ deploymentId }));
    if (!ENDED.includes(deployment!.status!)) return lookAgain(state);
    if (deployment!.status === 'Succeeded') {
      context.log(`Deployment ${deploymentId} succeeded.\n`);
      return { outputArtifacts: [], outputVariables: {}, summary: `Deployment ${deploymentId} succeeded`, externalExecutionId: deploymentId };
    }
    const { targetIds } = await codedeploy.send(new ListDeploymentTargetsCommand({ deploymentId, targetFilters: { TargetStatus: ['Failed'] } }));
    const { deploymentTargets } = targetIds?.length
      ? await codedeploy.send(new BatchGetDeploymentTargetsCommand({ deploymentId, targetIds: targetIds.slice(0, 25) }))
      : { deploymentTargets: [] };
    throw new BadInputError(`The deployment ${deploymentId} ended ${deployment!.status}: ${deploymentFailure(deployment!, deploymentTargets ?? [])}.`);
  },
};
