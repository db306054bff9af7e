import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { ecsDeploy } from '../../lib/actions/ecs-deploy';
import { BadInputError } from '../../lib/core/errors';
import { AwsActionHarness } from './support/aws-actions';
import { motoClientConfig } from './support/moto-clients';
import { service, taskRoleArn } from './support/moto-ecs';

const actionTypeId = { category: 'Deploy', owner: 'AWS', provider: 'ECS', version: '1' } as const;
/** An image definitions file that deploys nginx:1.27 as the container web. */
const images = { 'imagedefinitions.json': JSON.stringify([{ name: 'web', imageUri: 'nginx:1.27' }]) };

describe('ECS standard deploy on moto: a new task definition revision with the images, and the wait for a steady state', () => {
  const suite = AwsActionHarness.forSuite();
  const ecs = new ECSClient(motoClientConfig());

  it("registers a revision of the service's task definition with the images of imagedefinitions.json, updates the service, and waits for its rollout", async () => {
    const { cluster, serviceName, family } = await service(ecs, 0);
    const { context, log } = await suite.harness.contextWithInput({ actionTypeId, configuration: { ClusterName: cluster, ServiceName: serviceName } }, images);
    const { outcome } = await suite.harness.runToEnd(ecsDeploy, context);

    const { services } = await ecs.send(new DescribeServicesCommand({ cluster, services: [serviceName] }));
    const deployed = services![0]!.taskDefinition!;
    expect(deployed).toMatch(new RegExp(`:task-definition/${family}:2$`));
    const { taskDefinition } = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: deployed }));
    expect(taskDefinition).toMatchObject({ taskRoleArn, networkMode: 'awsvpc', cpu: '256', memory: '512', requiresCompatibilities: ['FARGATE'] });
    expect(
      taskDefinition!.containerDefinitions!.map(({ name, image, portMappings }) => ({ name, image, ports: portMappings?.map((port) => port.containerPort) })),
    ).toEqual([
      { name: 'web', image: 'nginx:1.27', ports: [80] },
      { name: 'sidecar', image: 'envoyproxy/envoy:v1.31', ports: [] },
    ]);
    expect(outcome).toMatchObject({ outputArtifacts: [], outputVariables: {}, summary: `Deployed ${deployed}` });
    expect(log.join('')).toContain(`Registered ${deployed}, with web=nginx:1.27.`);
  });

  it('reads the file that FileName names, and refuses a container that the task definition lacks, naming the ones it has', async () => {
    const { cluster, serviceName } = await service(ecs, 0);
    const { context } = await suite.harness.contextWithInput(
      { actionTypeId, configuration: { ClusterName: cluster, ServiceName: serviceName, FileName: 'deploy/images.json' } },
      { 'deploy/images.json': JSON.stringify([{ name: 'worker', imageUri: 'busybox:1' }]) },
    );
    const failure = ecsDeploy.run!(context);
    await expect(failure).rejects.toThrow(BadInputError);
    await expect(failure).rejects.toThrow(/has no container worker; its containers are web, sidecar\.$/);
  });

  it('fails when the service has not reached a steady state by the end of the DeploymentTimeout, with how many tasks run', async () => {
    const { cluster, serviceName } = await service(ecs, 1);
    const { context } = await suite.harness.contextWithInput(
      { actionTypeId, configuration: { ClusterName: cluster, ServiceName: serviceName, DeploymentTimeout: '1' } },
      images,
    );
    const first = await ecsDeploy.run!(context);
    if (!('inProgress' in first)) throw new Error('The deployment of a service that runs none of its task was not in progress.');
    expect(first.inProgress.afterSeconds).toBe(1);
    const state = JSON.parse(first.inProgress.state) as { deadline: number };
    // The minute has not passed yet: it goes on waiting.
    expect(await ecsDeploy.run!({ ...context, continuation: first.inProgress.state })).toHaveProperty('inProgress');
    // Its next look comes after the deadline.
    const late = ecsDeploy.run!({ ...context, continuation: JSON.stringify({ ...state, deadline: Date.now() - 1 }) });
    await expect(late).rejects.toThrow(`The service ${serviceName} did not reach a steady state within the DeploymentTimeout: 0 of 1 tasks running.`);
  });
});
