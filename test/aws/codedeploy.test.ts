import { CodeDeployClient, CreateApplicationCommand, CreateDeploymentGroupCommand } from '@aws-sdk/client-codedeploy';
import { codeDeploy } from '../../lib/actions/codedeploy';
import { AwsActionHarness } from './support/aws-actions';
import { ACCOUNT, motoClientConfig, motoEndpoint, REGION, uniqueName } from './support/moto-clients';

const actionTypeId = { category: 'Deploy', owner: 'AWS', provider: 'CodeDeploy', version: '1' } as const;

/**
 * moto's CodeDeploy records a deployment and never moves it on from Created, has no
 * ListDeploymentTargets, and answers GetDeployment with times that the SDK cannot read (ISO text
 * for epoch seconds). What is proven here is the deployment that the action's first run creates;
 * how a later run reads a deployment's end is proven by the unit test of deploymentFailure only.
 */
async function motoDeployment(deploymentId: string): Promise<Record<string, unknown>> {
  // In CodeDeploy's JSON protocol, because the SDK fails on moto's times; moto checks no signature.
  const response = await fetch(`${motoEndpoint()}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'CodeDeploy_20141006.GetDeployment',
      authorization: `AWS4-HMAC-SHA256 Credential=testing/20250101/${REGION}/codedeploy/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify({ deploymentId }),
  });
  if (!response.ok) throw new Error(`moto refused GetDeployment: ${response.status}`);
  return ((await response.json()) as { deploymentInfo: Record<string, unknown> }).deploymentInfo;
}

describe("CodeDeploy on moto: a deployment of the input artifact's S3 revision, waited on", () => {
  const suite = AwsActionHarness.forSuite();
  const codedeploy = new CodeDeployClient(motoClientConfig());

  it('creates a deployment of the input artifact, a zip in S3, to the deployment group, and looks at it after a wait', async () => {
    const applicationName = uniqueName('web');
    const deploymentGroupName = uniqueName('fleet');
    await codedeploy.send(new CreateApplicationCommand({ applicationName, computePlatform: 'Server' }));
    await codedeploy.send(
      new CreateDeploymentGroupCommand({ applicationName, deploymentGroupName, serviceRoleArn: `arn:aws:iam::${ACCOUNT}:role/codedeploy` }),
    );
    const { context, input } = await suite.harness.contextWithInput(
      { actionTypeId, configuration: { ApplicationName: applicationName, DeploymentGroupName: deploymentGroupName } },
      { 'appspec.yml': 'version: 0.0\nos: linux\n' },
    );

    const first = await codeDeploy.run!(context);
    if (!('inProgress' in first)) throw new Error('A deployment just created was taken as done.');
    const { deploymentId } = JSON.parse(first.inProgress.state) as { deploymentId: string };
    expect(first.inProgress.afterSeconds).toBe(1);
    expect(await motoDeployment(deploymentId)).toMatchObject({
      applicationName,
      deploymentGroupName,
      status: 'Created',
      revision: { revisionType: 'S3', s3Location: { bucket: input.location.bucketName, key: input.location.objectKey, bundleType: 'zip' } },
    });
  });

  it("fails with CodeDeploy's refusal of a deployment group the application lacks", async () => {
    const applicationName = uniqueName('web');
    await codedeploy.send(new CreateApplicationCommand({ applicationName, computePlatform: 'Server' }));
    const { context } = await suite.harness.contextWithInput(
      { actionTypeId, configuration: { ApplicationName: applicationName, DeploymentGroupName: 'missing' } },
      { 'appspec.yml': 'version: 0.0\n' },
    );
    await expect(codeDeploy.run!(context)).rejects.toThrow('Deployment group name does not exist.');
  });
});
