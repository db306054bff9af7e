import { CreateClusterCommand, CreateServiceCommand, type ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { ACCOUNT, uniqueName } from './moto-clients';

/** The task role of the task definitions that `service` registers. */
export const taskRoleArn = `arn:aws:iam::${ACCOUNT}:role/web-task`;

/**
 * A cluster and a service of `desiredCount` tasks of a task definition with two containers. moto
 * starts no tasks: a service's deployment reports its rollout COMPLETED when it wants none, and
 * IN_PROGRESS for ever when it wants some.
 */
export async function service(ecs: ECSClient, desiredCount: number): Promise<{ cluster: string; serviceName: string; family: string }> {
  const family = uniqueName('web');
  await ecs.send(
    new RegisterTaskDefinitionCommand({
      family,
      taskRoleArn,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [
        { name: 'web', image: 'nginx:1.26', essential: true, portMappings: [{ containerPort: 80 }] },
        { name: 'sidecar', image: 'envoyproxy/envoy:v1.31', essential: false },
      ],
    }),
  );
  const cluster = uniqueName('cluster');
  const serviceName = uniqueName('web');
  await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  await ecs.send(new CreateServiceCommand({ cluster, serviceName, taskDefinition: family, desiredCount, launchType: 'FARGATE' }));
  return { cluster, serviceName, family };
}
