import type { ContainerDefinition, Deployment, Service, TaskDefinition } from '@aws-sdk/client-ecs';
import { BadInputError } from '../core/errors';
import type { ConfigurationProblem, ProviderSpec } from '../core/providers';
import { artifactCounts, awsClientFor, type ActionInProgress, type ActionOutcome, type ActionProvider } from './action-provider';
import { readInputFile } from './input-file';
import { continued, lookAgain, type PollingState, pollingCost } from './polling';

const DEFAULT_FILE_NAME = 'imagedefinitions.json';
/** CodePipeline's timeout of an ECS deploy action, which DeploymentTimeout may shorten. */
const MAX_TIMEOUT_MINUTES = 60;

interface Deploying extends PollingState {
  taskDefinitionArn: string;
  /** When the deployment must have reached a steady state, in milliseconds since the epoch. */
  deadline: number;
}

interface ImageDefinition {
  name: string;
  imageUri: string;
}

function timeoutMinutes(value: string | undefined): number {
  if (value === undefined) return MAX_TIMEOUT_MINUTES;
  const minutes = Number(value);
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_TIMEOUT_MINUTES) {
    throw new BadInputError(`DeploymentTimeout must be a whole number of minutes from 1 to ${MAX_TIMEOUT_MINUTES}, not "${value}".`);
  }
  return minutes;
}

function checkConfiguration({ DeploymentTimeout: timeout }: Readonly<Record<string, string>>): ConfigurationProblem[] {
  if (timeout === undefined || timeout.includes('#{')) return [];
  try {
    timeoutMinutes(timeout);
    return [];
  } catch (error) {
    return [{ key: 'DeploymentTimeout', message: (error as Error).message }];
  }
}

/** imagedefinitions.json: a list of `{"name": container, "imageUri": image}`. */
function parseImageDefinitions(text: string, fileName: string): ImageDefinition[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new BadInputError(`${fileName} is not JSON: ${(error as Error).message}`);
  }
  const valid = (entry: unknown): entry is ImageDefinition =>
    typeof (entry as ImageDefinition | null)?.name === 'string' && typeof (entry as ImageDefinition).imageUri === 'string';
  if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every(valid)) {
    throw new BadInputError(`${fileName} must be a list of {"name": container name, "imageUri": image}, like [{"name":"web","imageUri":"nginx:1.27"}].`);
  }
  return parsed;
}

/** The containers of `current` with the images that the definitions name; every name must be a container of it. */
function withImages(current: TaskDefinition, images: ImageDefinition[]): ContainerDefinition[] {
  const containers = current.containerDefinitions ?? [];
  const missing = images.filter((image) => !containers.some((container) => container.name === image.name)).map((image) => image.name);
  if (missing.length) {
    throw new BadInputError(
      `The task definition ${current.taskDefinitionArn} has no container ${missing.join(', ')}; its containers are ${containers.map((container) => container.name).join(', ')}.`,
    );
  }
  return containers.map((container) => ({ ...container, image: images.find((image) => image.name === container.name)?.imageUri ?? container.image }));
}

/**
 * Whether the service's PRIMARY deployment has reached a steady state: its rollout completed, or,
 * where ECS reports no rollout state, it is the only deployment and runs as many tasks as it wants.
 * A failed rollout (the deployment circuit breaker) fails the action with ECS's reason.
 */
function steady(service: Service): { done: boolean; primary?: Deployment } {
  const primary = service.deployments?.find((deployment) => deployment.status === 'PRIMARY');
  if (!primary) return { done: false };
  if (primary.rolloutState === 'FAILED')
    throw new BadInputError(`The deployment of ${service.serviceName} failed: ${primary.rolloutStateReason ?? 'ECS gave no reason'}.`);
  if (primary.rolloutState) return { done: primary.rolloutState === 'COMPLETED', primary };
  return { done: service.deployments!.length === 1 && primary.runningCount === primary.desiredCount, primary };
}

export const ecsDeploySpec: ProviderSpec = {
  category: 'Deploy',
  owner: 'AWS',
  provider: 'ECS',
  version: '1',
  description:
    "Deploys the images of imagedefinitions.json to an ECS service: a new revision of the service's task definition, then a wait for a steady state.",
  configuration: [
    { name: 'ClusterName', required: true, description: 'The ECS cluster.' },
    { name: 'ServiceName', required: true, description: 'The ECS service.' },
    { name: 'FileName', required: false, description: `The image definitions file in the input artifact; ${DEFAULT_FILE_NAME} by default.` },
    {
      name: 'DeploymentTimeout',
      required: false,
      description: `Minutes the deployment may take to reach a steady state, at most ${MAX_TIMEOUT_MINUTES} (the default).`,
    },
  ],
  inputArtifacts: artifactCounts.one,
  outputArtifacts: artifactCounts.none,
  outputVariables: [],
  runtimes: ['aws', 'local'],
  awsServices: ['ecs'],
  integration: 'polling',
  // A rolling update until the service is steady: new tasks start and pass their health checks.
  cost: pollingCost({ runnerMs: 3000, lookMs: 500, typicalMinutes: 5 }),
  iam: [
    // Task definitions have no resource-level permissions for these two.
    { actions: ['ecs:DescribeTaskDefinition', 'ecs:RegisterTaskDefinition'], resources: ['*'] },
    { actions: ['ecs:DescribeServices', 'ecs:UpdateService'], resources: ['arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:service/*'] },
    // A new revision keeps the task and execution roles of the one it replaces.
    { actions: ['iam:PassRole'], resources: ['arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*'] },
  ],
  checkConfiguration,
};

export const ecsDeploy: ActionProvider<ActionOutcome | ActionInProgress> = {
  spec: ecsDeploySpec,

  async run(context) {
    const { ECSClient, DescribeServicesCommand, DescribeTaskDefinitionCommand, RegisterTaskDefinitionCommand, UpdateServiceCommand } =
      await import('@aws-sdk/client-ecs');
    const ecs = awsClientFor(context, ECSClient);
    const {
      ClusterName: cluster,
      ServiceName: serviceName,
      FileName: fileName = DEFAULT_FILE_NAME,
      DeploymentTimeout: timeout,
    } = context.action.configuration!;
    const describeService = async () => {
      const { services, failures } = await ecs.send(new DescribeServicesCommand({ cluster, services: [serviceName!] }));
      const service = services?.[0];
      if (!service || service.status === 'INACTIVE') {
        throw new BadInputError(`The cluster ${cluster} has no service ${serviceName}${failures?.[0]?.reason ? ` (${failures[0].reason})` : ''}.`);
      }
      return service;
    };

    let state = continued<Deploying>(context);
    if (!state) {
      const deadline = Date.now() + timeoutMinutes(timeout) * 60_000;
      const images = parseImageDefinitions(await readInputFile(context, fileName, 'FileName'), fileName);
      const service = await describeService();
      const { taskDefinition: current } = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: service.taskDefinition }));
      const { taskDefinition: registered } = await ecs.send(
        new RegisterTaskDefinitionCommand({
          family: current!.family,
          taskRoleArn: current!.taskRoleArn,
          executionRoleArn: current!.executionRoleArn,
          networkMode: current!.networkMode,
          containerDefinitions: withImages(current!, images),
          volumes: current!.volumes,
          placementConstraints: current!.placementConstraints,
          requiresCompatibilities: current!.requiresCompatibilities,
          cpu: current!.cpu,
          memory: current!.memory,
          pidMode: current!.pidMode,
          ipcMode: current!.ipcMode,
          proxyConfiguration: current!.proxyConfiguration,
          inferenceAccelerators: current!.inferenceAccelerators,
          ephemeralStorage: current!.ephemeralStorage,
          runtimePlatform: current!.runtimePlatform,
          enableFaultInjection: current!.enableFaultInjection,
        }),
      );
      const taskDefinitionArn = registered!.taskDefinitionArn!;
      context.log(`Registered ${taskDefinitionArn}, with ${images.map((image) => `${image.name}=${image.imageUri}`).join(', ')}.\n`);
      await ecs.send(new UpdateServiceCommand({ cluster, service: serviceName, taskDefinition: taskDefinitionArn }));
      context.log(`Updated service ${serviceName} of ${cluster}; waiting for a steady state.\n`);
      state = { taskDefinitionArn, deadline, polls: 0 };
    }

    const service = await describeService();
    const { done, primary } = steady(service);
    if (done) {
      context.log(`Service ${serviceName} reached a steady state with ${state.taskDefinitionArn}.\n`);
      return { outputArtifacts: [], outputVariables: {}, summary: `Deployed ${state.taskDefinitionArn}`, externalExecutionId: primary?.id };
    }
    if (Date.now() >= state.deadline) {
      const latest = service.events?.[0]?.message;
      throw new BadInputError(
        `The service ${serviceName} did not reach a steady state within the DeploymentTimeout: ${primary?.runningCount ?? 0} of ${primary?.desiredCount ?? service.desiredCount} tasks running${latest ? `; ECS's latest event: ${latest}` : ''}.`,
      );
    }
    return lookAgain(state);
  },
};
