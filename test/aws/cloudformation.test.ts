import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import type { ActionContext, ActionInProgress, ActionOutcome } from '../../lib/actions/action-provider';
import { cloudFormation as provider } from '../../lib/actions/cloudformation';
import { SdkAwsClients } from '../../lib/adapters/aws/aws-clients';
import { S3BlobStore } from '../../lib/adapters/aws/s3-blob-store';
import { ArtifactStore } from '../../lib/artifacts/artifact-store';
import { BadInputError } from '../../lib/core/errors';
import type { ArtifactLocation } from '../../lib/core/task-payloads';
import { removeDirectory, temporaryDirectory } from '../support/embedded-stack';
import { ACCOUNT, motoClientConfig, motoEndpoint, uniqueName } from './support/moto-clients';

/** A stack whose outputs show what each parameter received, with one resource that its QueueName parameter names. */
const TEMPLATE = JSON.stringify({
  Parameters: {
    QueueName: { Type: 'String' },
    Environment: { Type: 'String' },
    ArtifactBucket: { Type: 'String', Default: '' },
    ArtifactKey: { Type: 'String', Default: '' },
    ArtifactUrl: { Type: 'String', Default: '' },
    Setting: { Type: 'String', Default: '' },
    Release: { Type: 'String', Default: 'first' },
  },
  Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: { Ref: 'QueueName' } } } },
  Outputs: {
    QueueName: { Value: { 'Fn::GetAtt': ['Queue', 'QueueName'] } },
    Environment: { Value: { Ref: 'Environment' } },
    ArtifactBucket: { Value: { Ref: 'ArtifactBucket' } },
    ArtifactKey: { Value: { Ref: 'ArtifactKey' } },
    ArtifactUrl: { Value: { Ref: 'ArtifactUrl' } },
    Setting: { Value: { Ref: 'Setting' } },
    Release: { Value: { Ref: 'Release' } },
  },
});

/** A stack without parameters, whose change set of the same template changes nothing. */
const PLAIN_TEMPLATE = JSON.stringify({ Resources: { Queue: { Type: 'AWS::SQS::Queue' } }, Outputs: { QueueUrl: { Value: { Ref: 'Queue' } } } });

describe('the CloudFormation deploy action on moto', () => {
  const bucket = uniqueName('sluice-cfn-artifacts');
  const s3 = new S3Client({ ...motoClientConfig(), forcePathStyle: true });
  const cloudFormation = new CloudFormationClient(motoClientConfig());
  const blobs = new S3BlobStore(s3);
  const artifacts = new ArtifactStore(blobs);
  let scratch: string;
  let templates: { name: string; location: ArtifactLocation };
  let settings: { name: string; location: ArtifactLocation };

  /** Stores `files` as input artifact `name`, as an earlier action would have. */
  async function inputArtifact(name: string, files: Record<string, string>) {
    const directory = await mkdtemp(path.join(scratch, `${name}-`));
    for (const [file, text] of Object.entries(files)) await writeFile(path.join(directory, file), text);
    return { name, location: await artifacts.storeArtifact({ bucketName: bucket, pipelineName: 'webapp', artifactName: name, directory }) };
  }

  beforeAll(async () => {
    // As on a developer's machine: the SDK's own variables send the action's calls to moto.
    Object.assign(process.env, { AWS_ENDPOINT_URL: motoEndpoint(), AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
    scratch = await temporaryDirectory('sluice-cfn-');
    await blobs.ensureBucket(bucket);
    templates = await inputArtifact('Templates', {
      'stack.json': TEMPLATE,
      'plain.json': PLAIN_TEMPLATE,
      'test.json': JSON.stringify({ Parameters: { Environment: 'test', QueueName: 'overridden-below' }, Tags: { team: 'deploys' } }),
    });
    settings = await inputArtifact('Settings', { 'settings.json': JSON.stringify({ setting: 'from-a-file', count: 3 }) });
  });

  afterAll(async () => {
    s3.destroy();
    cloudFormation.destroy();
    await removeDirectory(scratch);
  });

  /** The action's context, as the action runner makes it: `configuration`, the two input artifacts, and an output artifact where `output` is set. */
  async function contextFor(configuration: Record<string, string>, output = false): Promise<{ context: ActionContext; log: string[] }> {
    const log: string[] = [];
    const context: ActionContext = {
      pipelineName: 'webapp',
      executionId: 'execution-1',
      stageName: 'Deploy',
      action: {
        name: 'Deploy',
        actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'CloudFormation', version: '1' },
        configuration,
        ...(output ? { outputArtifacts: [{ name: 'StackOutputs' }] } : {}),
      },
      inputArtifacts: [templates, settings],
      artifactBucket: bucket,
      artifacts,
      blobs,
      workspace: await mkdtemp(path.join(scratch, 'workspace-')),
      log: (text) => log.push(text),
      signal: new AbortController().signal,
      aws: new SdkAwsClients('us-east-1'),
    };
    return { context, log };
  }

  /**
   * Runs the action as the engine does: again, with the last answer's state, for as long as it
   * answers that it is in progress. moto finishes each operation at once, so no run waits.
   */
  async function run(configuration: Record<string, string>, output = false): Promise<{ outcome: ActionOutcome; runs: number; log: string }> {
    const { context, log } = await contextFor(configuration, output);
    let answer: ActionOutcome | ActionInProgress = await provider.run!(context);
    let runs = 1;
    while ('inProgress' in answer) {
      expect(answer.inProgress.afterSeconds).toBeGreaterThan(0);
      answer = await provider.run!({ ...context, continuation: answer.inProgress.state });
      runs += 1;
    }
    return { outcome: answer, runs, log: log.join('') };
  }

  const stack = async (name: string) => (await cloudFormation.send(new DescribeStacksCommand({ StackName: name }))).Stacks![0]!;
  const stackIsGone = async (name: string) => expect(cloudFormation.send(new DescribeStacksCommand({ StackName: name }))).rejects.toThrow(/does not exist/);

  function deployConfiguration(stackName: string, queueName: string, mode = 'CREATE_UPDATE', release = 'first'): Record<string, string> {
    return {
      ActionMode: mode,
      StackName: stackName,
      TemplatePath: 'Templates::stack.json',
      TemplateConfiguration: 'Templates::test.json',
      ParameterOverrides: JSON.stringify({
        QueueName: queueName,
        ArtifactBucket: { 'Fn::GetArtifactAtt': ['Settings', 'BucketName'] },
        ArtifactKey: { 'Fn::GetArtifactAtt': ['Settings', 'ObjectKey'] },
        ArtifactUrl: { 'Fn::GetArtifactAtt': ['Settings', 'URL'] },
        Setting: { 'Fn::GetParam': ['Settings', 'settings.json', 'setting'] },
        Release: release,
      }),
    };
  }

  it('CREATE_UPDATE creates the stack with the template configuration and the overrides over it, and its outputs become variables and the output file', async () => {
    const stackName = uniqueName('cfn-create');
    const queueName = uniqueName('queue');
    const role = `arn:aws:iam::${ACCOUNT}:role/cloudformation-deployer`;

    const { outcome, runs, log } = await run(
      { ...deployConfiguration(stackName, queueName), Capabilities: 'CAPABILITY_IAM,CAPABILITY_AUTO_EXPAND', RoleArn: role, OutputFileName: 'outputs.json' },
      true,
    );

    expect(runs).toBeGreaterThan(1);
    const { location } = settings;
    const expected = {
      QueueName: queueName,
      Environment: 'test',
      ArtifactBucket: location.bucketName,
      ArtifactKey: location.objectKey,
      ArtifactUrl: `https://s3.us-east-1.amazonaws.com/${location.bucketName}/${location.objectKey}`,
      Setting: 'from-a-file',
      Release: 'first',
    };
    expect(outcome.outputVariables).toEqual(expected);
    const created = await stack(stackName);
    expect(created.StackStatus).toBe('CREATE_COMPLETE');
    expect(created.RoleARN).toBe(role);
    expect(created.Tags).toEqual([{ Key: 'team', Value: 'deploys' }]);
    expect(outcome.externalExecutionId).toBe(created.StackId);
    expect(log).toContain(`Creating stack ${stackName}.`);

    expect(outcome.outputArtifacts).toHaveLength(1);
    const fetched = path.join(scratch, uniqueName('fetched'));
    await mkdir(fetched);
    expect(await artifacts.fetchArtifact(outcome.outputArtifacts[0]!, fetched)).toEqual(['outputs.json']);
    expect(JSON.parse(await readFile(path.join(fetched, 'outputs.json'), 'utf8'))).toEqual(expected);
  });

  it('CREATE_UPDATE updates a stack that exists, and succeeds with its outputs when there are no updates to perform', async () => {
    const stackName = uniqueName('cfn-update');
    const queueName = uniqueName('queue');
    await run(deployConfiguration(stackName, queueName));

    const { outcome: updated } = await run(deployConfiguration(stackName, queueName, 'CREATE_UPDATE', 'second'));
    expect((await stack(stackName)).StackStatus).toBe('UPDATE_COMPLETE');
    expect(updated.outputVariables.Release).toBe('second');

    const { outcome: unchanged, runs } = await run(deployConfiguration(stackName, queueName, 'CREATE_UPDATE', 'second'));
    expect(runs).toBe(1);
    expect(unchanged.summary).toMatch(/no updates are to be performed/);
    expect(unchanged.outputVariables.Release).toBe('second');
  });

  it("fails with CloudFormation's reason when a resource of the template cannot be created", async () => {
    const stackName = uniqueName('cfn-fails');
    const failing = run(deployConfiguration(stackName, 'not a queue name!'));

    await expect(failing).rejects.toThrow(BadInputError);
    await expect(failing).rejects.toThrow(`CreateStack ${stackName}: Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length`);
  });

  it('refuses a parameter override that names an artifact the action does not take, or a key its file lacks', async () => {
    const configuration = deployConfiguration(uniqueName('cfn-refused'), uniqueName('queue'));
    await expect(run({ ...configuration, ParameterOverrides: '{"Setting": {"Fn::GetArtifactAtt": ["Elsewhere", "BucketName"]}}' })).rejects.toThrow(
      'Input artifact "Elsewhere" is not an input of this action (its inputs: Templates, Settings).',
    );
    await expect(run({ ...configuration, ParameterOverrides: '{"Setting": {"Fn::GetParam": ["Settings", "settings.json", "missing"]}}' })).rejects.toThrow(
      'settings.json in artifact Settings has no key "missing" for parameter Setting.',
    );
  });

  it('refuses OutputFileName on an action without an output artifact, before it deploys anything', async () => {
    const stackName = uniqueName('cfn-no-output');
    await expect(run({ ...deployConfiguration(stackName, uniqueName('queue')), OutputFileName: 'outputs.json' })).rejects.toThrow(
      'OutputFileName outputs.json needs an output artifact to hold it; the action declares none.',
    );
    await stackIsGone(stackName);
  });

  it('REPLACE_ON_FAILURE creates a stack that does not exist and updates one that has not failed', async () => {
    const stackName = uniqueName('cfn-replace');
    const queueName = uniqueName('queue');
    await run(deployConfiguration(stackName, queueName, 'REPLACE_ON_FAILURE'));
    expect((await stack(stackName)).StackStatus).toBe('CREATE_COMPLETE');

    const { outcome } = await run(deployConfiguration(stackName, queueName, 'REPLACE_ON_FAILURE', 'second'));

    expect((await stack(stackName)).StackStatus).toBe('UPDATE_COMPLETE');
    expect(outcome.outputVariables.Release).toBe('second');
  });

  it('CHANGE_SET_REPLACE prepares a change set for a new stack, and CHANGE_SET_EXECUTE creates the stack from it', async () => {
    const stackName = uniqueName('cfn-change-set');
    const queueName = uniqueName('queue');

    const { log } = await run({ ...deployConfiguration(stackName, queueName, 'CHANGE_SET_REPLACE'), ChangeSetName: 'release' });
    expect(log).toContain(`Creating change set release of stack ${stackName}.`);
    expect((await stack(stackName)).StackStatus).toBe('REVIEW_IN_PROGRESS');

    const { outcome, runs } = await run({ ActionMode: 'CHANGE_SET_EXECUTE', StackName: stackName, ChangeSetName: 'release' });

    expect(runs).toBeGreaterThan(1);
    const executed = await stack(stackName);
    expect(executed.StackStatus).toBe('CREATE_COMPLETE');
    expect(executed.Parameters).toContainEqual({ ParameterKey: 'Setting', ParameterValue: 'from-a-file' });
    expect(outcome.externalExecutionId).toBe(executed.StackId);
  });

  it('CHANGE_SET_REPLACE replaces a change set of that name on a stack that exists, and CHANGE_SET_EXECUTE updates the stack with it', async () => {
    const stackName = uniqueName('cfn-change-set');
    const queueName = uniqueName('queue');
    await run(deployConfiguration(stackName, queueName));
    const replace = (release: string) => run({ ...deployConfiguration(stackName, queueName, 'CHANGE_SET_REPLACE', release), ChangeSetName: 'release' });
    await replace('second');

    const { log } = await replace('third');
    expect(log).toContain('Deleted change set release.');
    expect((await stack(stackName)).StackStatus).toBe('CREATE_COMPLETE');

    await run({ ActionMode: 'CHANGE_SET_EXECUTE', StackName: stackName, ChangeSetName: 'release' });
    expect((await stack(stackName)).StackStatus).toBe('UPDATE_COMPLETE');
  });

  it('CHANGE_SET_EXECUTE succeeds without executing a change set that changes nothing', async () => {
    const stackName = uniqueName('cfn-no-change');
    const plain = { StackName: stackName, TemplatePath: 'Templates::plain.json' };
    const { outcome: deployed } = await run({ ActionMode: 'CREATE_UPDATE', ...plain });
    const { outcome: prepared } = await run({ ActionMode: 'CHANGE_SET_REPLACE', ChangeSetName: 'nothing', ...plain });
    expect(prepared.summary).toBe('Change set nothing would change nothing.');

    const { outcome, runs } = await run({ ActionMode: 'CHANGE_SET_EXECUTE', StackName: stackName, ChangeSetName: 'nothing' });

    expect(runs).toBe(1);
    expect(outcome.summary).toBe('Change set nothing changes nothing.');
    expect(outcome.outputVariables).toEqual(deployed.outputVariables);
    expect(Object.keys(outcome.outputVariables)).toEqual(['QueueUrl']);
    expect((await stack(stackName)).StackStatus).toBe('CREATE_COMPLETE');
  });

  it('DELETE_ONLY deletes the stack, and succeeds when there is none', async () => {
    const stackName = uniqueName('cfn-delete');
    await run(deployConfiguration(stackName, uniqueName('queue')));

    const { outcome, runs } = await run({ ActionMode: 'DELETE_ONLY', StackName: stackName });
    expect(runs).toBeGreaterThan(1);
    expect(outcome).toMatchObject({ outputVariables: {}, summary: `Stack ${stackName} deleted.` });
    await stackIsGone(stackName);

    const { outcome: again } = await run({ ActionMode: 'DELETE_ONLY', StackName: stackName });
    expect(again.summary).toBe(`Stack ${stackName} does not exist; nothing to delete.`);
  });
});
