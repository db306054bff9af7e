import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { CreateStateMachineCommand, DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { sluice, writeDeclaration } from '../support/cli';
import { commandsOnSource, gitSourceStage } from '../support/declarations';
import { gitRepository } from '../support/git-repository';
import { ACCOUNT, motoClientConfig, motoEndpoint, REGION, uniqueName } from './support/moto-clients';
import { service } from './support/moto-ecs';

jest.setTimeout(120_000);

/** The invoked state machine's region: moto runs one execution per account and region, and no other test file uses this one. */
const INVOKE_REGION = 'ap-northeast-2';

describe('sluice run with AWS_ENDPOINT_URL on moto: a StepFunctions invoke and an ECS deploy, polled to their ends by the local engine', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sluice-aws-invoke-run-'));
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('passes the execution output and its ARN to a later action, and deploys the images to the service', async () => {
    const sfn = new SFNClient({ ...motoClientConfig(), region: INVOKE_REGION });
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name: uniqueName('release-checks'),
        definition: JSON.stringify({ StartAt: 'Echo', States: { Echo: { Type: 'Pass', End: true } } }),
        roleArn: `arn:aws:iam::${ACCOUNT}:role/invoked`,
      }),
    );
    const ecs = new ECSClient(motoClientConfig());
    // moto starts no tasks: a service that wants none reports its rollout COMPLETED.
    const { cluster, serviceName, family } = await service(ecs, 0);

    const repository = gitRepository({
      'release.json': '{"stage":"prod"}',
      'imagedefinitions.json': JSON.stringify([{ name: 'web', imageUri: 'nginx:1.27' }]),
    });
    const declaration = {
      name: uniqueName('invoke-and-deploy'),
      // The invoke runs in another region: its artifacts are copied to that region's store and back.
      artifactStores: {
        [REGION]: { type: 'S3', location: uniqueName('webapp-home') },
        [INVOKE_REGION]: { type: 'S3', location: uniqueName('webapp-seoul') },
      },
      stages: [
        gitSourceStage(repository.dir),
        {
          name: 'Checks',
          actions: [
            {
              name: 'Invoke',
              actionTypeId: { category: 'Invoke', owner: 'AWS', provider: 'StepFunctions', version: '1' },
              region: INVOKE_REGION,
              namespace: 'Checks',
              configuration: { StateMachineArn: stateMachineArn, InputType: 'FilePath', Input: 'release.json' },
              inputArtifacts: [{ name: 'Src' }],
              outputArtifacts: [{ name: 'Result' }],
            },
          ],
        },
        {
          name: 'Deploy',
          actions: [
            {
              ...commandsOnSource('Verify', ['export OUTPUT="$(cat output.json)"', 'export EXECUTION="#{Checks.ExecutionArn}"'], 'Result'),
              outputVariables: ['OUTPUT', 'EXECUTION'],
            },
            {
              name: 'Service',
              actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'ECS', version: '1' },
              runOrder: 2,
              configuration: { ClusterName: cluster, ServiceName: serviceName },
              inputArtifacts: [{ name: 'Src' }],
            },
          ],
        },
      ],
    };
    const result = sluice(['run', writeDeclaration(dataDir, declaration as never), '--data-dir', dataDir, '--json'], {
      env: { ...process.env, AWS_ENDPOINT_URL: motoEndpoint(), AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: REGION },
    });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: expect.stringContaining('Checks/Invoke: succeeded') });

    const run = JSON.parse(result.stdout) as { actions: { actionName: string; status: string; output?: { outputVariables?: Record<string, string> } }[] };
    expect(Object.fromEntries(run.actions.map(({ actionName, status }) => [actionName, status]))).toEqual({
      Checkout: 'Succeeded',
      Invoke: 'Succeeded',
      Verify: 'Succeeded',
      Service: 'Succeeded',
    });
    const executionArn = run.actions.find(({ actionName }) => actionName === 'Invoke')!.output!.outputVariables!.ExecutionArn!;
    const { OUTPUT: output, EXECUTION: execution } = run.actions.find(({ actionName }) => actionName === 'Verify')!.output!.outputVariables!;
    expect({ output: JSON.parse(output!), execution }).toEqual({ output: { stage: 'prod' }, execution: executionArn });
    expect(await sfn.send(new DescribeExecutionCommand({ executionArn }))).toMatchObject({ status: 'SUCCEEDED', stateMachineArn, input: '{"stage":"prod"}' });

    const { services } = await ecs.send(new DescribeServicesCommand({ cluster, services: [serviceName] }));
    const { taskDefinition } = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: services![0]!.taskDefinition }));
    expect(taskDefinition).toMatchObject({
      family,
      revision: 2,
      containerDefinitions: [expect.objectContaining({ name: 'web', image: 'nginx:1.27' }), expect.anything()],
    });
  });
});
