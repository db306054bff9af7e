import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { ActionDeclaration, PipelineDeclaration } from '../../lib/core/declaration';
import { sluice } from '../support/cli';
import { gitSourceStage } from '../support/declarations';
import { gitRepository } from '../support/git-repository';
import { motoClientConfig, motoEndpoint, uniqueName } from './support/moto-clients';

// A whole pipeline through the CLI: a checkout, two stack operations and a build.
jest.setTimeout(120_000);

/** A bucket that the BucketName parameter names, given back as the stack's output. */
const TEMPLATE = JSON.stringify({
  Parameters: { BucketName: { Type: 'String' } },
  Resources: { Bucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: { Ref: 'BucketName' } } } },
  Outputs: { BucketName: { Value: { Ref: 'Bucket' } } },
});

const cloudFormationAction = (name: string, configuration: Record<string, string>, extra: Partial<ActionDeclaration> = {}): ActionDeclaration => ({
  name,
  actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'CloudFormation', version: '1' },
  configuration,
  ...extra,
});

interface RunReport {
  execution: { status: string };
  actions: { actionName: string; status: string; output?: { outputVariables: Record<string, string> }; errorDetails?: { message: string } }[];
}

describe('sluice run with a CloudFormation deploy, on moto through AWS_ENDPOINT_URL', () => {
  it('deploys the stack with parameter overrides, hands its outputs to a later action, and tears it down with DELETE_ONLY', async () => {
    const stackName = uniqueName('sluice-run-stack');
    const bucketName = uniqueName('deployed-bucket');
    const repository = gitRepository({ 'template.json': TEMPLATE });
    const declaration: PipelineDeclaration = {
      name: 'stack-lifecycle',
      pipelineType: 'V2',
      stages: [
        gitSourceStage(repository.dir),
        {
          name: 'Deploy',
          actions: [
            cloudFormationAction(
              'Stack',
              {
                ActionMode: 'CREATE_UPDATE',
                StackName: stackName,
                TemplatePath: 'Src::template.json',
                ParameterOverrides: JSON.stringify({ BucketName: bucketName }),
              },
              { namespace: 'DeployVars', inputArtifacts: [{ name: 'Src' }] },
            ),
          ],
        },
        {
          name: 'Use',
          actions: [
            {
              name: 'Echo',
              actionTypeId: { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1' },
              commands: ['echo "deployed to #{DeployVars.BucketName}"', 'export SEEN="#{DeployVars.BucketName}"'],
              outputVariables: ['SEEN'],
              inputArtifacts: [{ name: 'Src' }],
            },
          ],
        },
        { name: 'Teardown', actions: [cloudFormationAction('Delete', { ActionMode: 'DELETE_ONLY', StackName: stackName })] },
      ],
    };
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'sluice-pipeline-')), 'pipeline.json');
    writeFileSync(file, JSON.stringify(declaration));
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sluice-data-'));

    const result = sluice(['run', file, '--data-dir', dataDir, '--json'], {
      env: { AWS_ENDPOINT_URL: motoEndpoint(), AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' },
    });

    const report = JSON.parse(result.stdout) as RunReport;
    const action = (name: string) => report.actions.find((entry) => entry.actionName === name)!;
    const statuses = Object.fromEntries(report.actions.map(({ actionName, status }) => [actionName, status]));
    expect(statuses).toEqual({ Checkout: 'Succeeded', Stack: 'Succeeded', Echo: 'Succeeded', Delete: 'Succeeded' });
    expect(report.execution.status).toBe('Succeeded');
    expect(action('Stack').output!.outputVariables).toEqual({ BucketName: bucketName });
    expect(action('Echo').output!.outputVariables).toEqual({ SEEN: bucketName });
    expect(result.code).toBe(0);

    const cloudFormation = new CloudFormationClient(motoClientConfig());
    await expect(cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }))).rejects.toThrow(/does not exist/);
    cloudFormation.destroy();
  });
});
