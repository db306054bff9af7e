import { mkdtempSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateRepositoryCommand, DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import type { ActionContext } from '../../lib/actions/action-provider';
import { ecrSource, imagePushedAtText } from '../../lib/actions/ecr-source';
import type { PipelineDeclaration } from '../../lib/core/declaration';
import { NotFoundError } from '../../lib/core/errors';
import { sluice, writeDeclaration } from '../support/cli';
import { AwsActionHarness } from './support/aws-actions';
import { ACCOUNT, motoClientConfig, motoEndpoint, uniqueName } from './support/moto-clients';
import { ECR_REGION, pushImage } from './support/moto-ecr';

const actionTypeId = { category: 'Source', owner: 'AWS', provider: 'ECR', version: '1' } as const;

describe('the ECR source action on moto: the image a tag names, or the digest an execution pins', () => {
  const suite = AwsActionHarness.forSuite(ECR_REGION);
  const ecr = new ECRClient({ ...motoClientConfig(), region: ECR_REGION });
  afterAll(() => ecr.destroy());

  async function repository(): Promise<string> {
    const repositoryName = uniqueName('web');
    await ecr.send(new CreateRepositoryCommand({ repositoryName }));
    return repositoryName;
  }

  async function run(configuration: Record<string, string>, pin: Pick<ActionContext, 'sourceRevision' | 'sourceRevisionType'> = {}) {
    const { context, log } = await suite.harness.context({ actionTypeId, configuration, outputArtifacts: [{ name: 'Image' }] });
    const outcome = await ecrSource.run!({ ...context, ...pin });
    return { outcome, log: log.join('') };
  }

  it("writes the image that ImageTag names as CodePipeline's imageDetail.json, and gives its registry, repository, tag, digest and URI", async () => {
    const repositoryName = await repository();
    await pushImage(ecr, repositoryName, 'stable', 'first');
    const digest = await pushImage(ecr, repositoryName, 'stable', 'second');
    await pushImage(ecr, repositoryName, 'latest', 'third');
    const uri = `${ACCOUNT}.dkr.ecr.${ECR_REGION}.amazonaws.com/${repositoryName}@${digest}`;

    const { outcome, log } = await run({ RepositoryName: repositoryName, ImageTag: 'stable' });

    expect(outcome.outputVariables).toEqual({ RegistryId: ACCOUNT, RepositoryName: repositoryName, ImageTag: 'stable', ImageDigest: digest, ImageURI: uri });
    expect(outcome).toMatchObject({ summary: uri, externalExecutionId: digest });
    const directory = await suite.harness.fetchBack(outcome);
    expect(await readdir(directory)).toEqual(['imageDetail.json']);
    const { imageDetails } = await ecr.send(new DescribeImagesCommand({ repositoryName, imageIds: [{ imageDigest: digest }] }));
    const text = await readFile(path.join(directory, 'imageDetail.json'), 'utf8');
    // The fields and their order are CodePipeline's; the size is a string, as in its example.
    expect(JSON.parse(text)).toEqual({
      ImageSizeInBytes: String(imageDetails![0]!.imageSizeInBytes),
      ImageDigest: digest,
      Version: '1.0',
      ImagePushedAt: imagePushedAtText(imageDetails![0]!.imagePushedAt!),
      RegistryId: ACCOUNT,
      RepositoryName: repositoryName,
      ImageURI: uri,
      ImageTags: ['stable'],
    });
    expect(Object.keys(JSON.parse(text))).toEqual([
      'ImageSizeInBytes',
      'ImageDigest',
      'Version',
      'ImagePushedAt',
      'RegistryId',
      'RepositoryName',
      'ImageURI',
      'ImageTags',
    ]);
    expect(log).toBe(`Read ${uri}, tagged stable\n`);
  });

  it('reads latest when the configuration names no ImageTag', async () => {
    const repositoryName = await repository();
    await pushImage(ecr, repositoryName, 'stable', 'first');
    const latest = await pushImage(ecr, repositoryName, 'latest', 'second');

    const { outcome } = await run({ RepositoryName: repositoryName });

    expect(outcome.outputVariables).toMatchObject({ ImageTag: 'latest', ImageDigest: latest });
  });

  it('reads the digest the execution pins although the tag has moved on, and gives no ImageTag once the image has lost it', async () => {
    const repositoryName = await repository();
    const pinned = await pushImage(ecr, repositoryName, 'latest', 'first');
    const pin = { sourceRevision: pinned, sourceRevisionType: 'IMAGE_DIGEST' } as const;
    await pushImage(ecr, repositoryName, 'beta', 'first');

    const stillTagged = await run({ RepositoryName: repositoryName }, pin);
    expect(stillTagged.outcome.outputVariables).toMatchObject({ ImageTag: 'latest', ImageDigest: pinned });
    expect(stillTagged.log).toContain(', tagged latest, the image the execution pins');

    const newer = await pushImage(ecr, repositoryName, 'latest', 'second');
    const { outcome, log } = await run({ RepositoryName: repositoryName }, pin);

    expect(newer).not.toBe(pinned);
    expect(outcome.outputVariables).toEqual({
      RegistryId: ACCOUNT,
      RepositoryName: repositoryName,
      ImageDigest: pinned,
      ImageURI: `${ACCOUNT}.dkr.ecr.${ECR_REGION}.amazonaws.com/${repositoryName}@${pinned}`,
    });
    expect(JSON.parse(await readFile(path.join(await suite.harness.fetchBack(outcome), 'imageDetail.json'), 'utf8'))).toMatchObject({
      ImageDigest: pinned,
      ImageTags: ['beta'],
    });
    expect(log).toMatch(/@sha256:[0-9a-f]{64}, the image the execution pins\n$/);
  });

  it('says what to do when the tag names no image, when the pinned image is gone, and when the repository does not exist', async () => {
    const repositoryName = await repository();
    await pushImage(ecr, repositoryName, 'latest', 'first');

    const noTag = run({ RepositoryName: repositoryName, ImageTag: 'release' });
    await expect(noTag).rejects.toThrow(NotFoundError);
    await expect(noTag).rejects.toThrow(
      `ECR repository ${repositoryName} has no image tagged release: push one with that tag, or set ImageTag to a tag the repository has.`,
    );

    const gone = `sha256:${'0'.repeat(64)}`;
    await expect(run({ RepositoryName: repositoryName }, { sourceRevision: gone, sourceRevisionType: 'IMAGE_DIGEST' })).rejects.toThrow(
      `The image ${gone} of ECR repository ${repositoryName}, which the execution pins, does not exist; it may have been deleted. Start the pipeline again to read the image tagged latest.`,
    );

    const missing = uniqueName('missing');
    const noRepository = run({ RepositoryName: missing });
    await expect(noRepository).rejects.toThrow(NotFoundError);
    await expect(noRepository).rejects.toThrow(`ECR has no repository ${missing} in the registry these credentials reach: check RepositoryName`);
  });
});

interface RunReport {
  execution: { status: string };
  actions: { actionName: string; status: string; output?: { outputVariables: Record<string, string> }; errorDetails?: { message: string } }[];
}

describe('sluice run with an ECR source, on moto through AWS_ENDPOINT_URL', () => {
  const ecr = new ECRClient({ ...motoClientConfig(), region: ECR_REGION });
  afterAll(() => ecr.destroy());

  /** ECR source Image, whose variables a Commands action checks against the imageDetail.json it reads. */
  const declaration = (repositoryName: string): PipelineDeclaration => ({
    name: 'image-release',
    pipelineType: 'V2',
    stages: [
      {
        name: 'Source',
        actions: [
          {
            name: 'Image',
            actionTypeId,
            configuration: { RepositoryName: repositoryName, ImageTag: 'release' },
            outputArtifacts: [{ name: 'ImageDetail' }],
            namespace: 'ImageVars',
          },
        ],
      },
      {
        name: 'Use',
        actions: [
          {
            name: 'Check',
            actionTypeId: { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1' },
            inputArtifacts: [{ name: 'ImageDetail' }],
            commands: ['grep -q \'"ImageURI": "#{ImageVars.ImageURI}"\' imageDetail.json', 'export DEPLOYED="#{ImageVars.ImageDigest}"'],
            outputVariables: ['DEPLOYED'],
          },
        ],
      },
    ],
  });

  const run = (repositoryName: string) =>
    sluice(
      [
        'run',
        writeDeclaration(mkdtempSync(path.join(tmpdir(), 'sluice-pipeline-')), declaration(repositoryName)),
        '--data-dir',
        mkdtempSync(path.join(tmpdir(), 'sluice-data-')),
        '--json',
      ],
      {
        env: { AWS_ENDPOINT_URL: motoEndpoint(), AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: ECR_REGION },
      },
    );

  it('reads the image the tag names, and hands imageDetail.json and its variables to a later action', async () => {
    const repositoryName = uniqueName('release');
    await ecr.send(new CreateRepositoryCommand({ repositoryName }));
    const digest = await pushImage(ecr, repositoryName, 'release', 'shipped');

    const result = run(repositoryName);

    const report = JSON.parse(result.stdout) as RunReport;
    const action = (name: string) => report.actions.find((entry) => entry.actionName === name)!;
    expect(report.actions.map(({ actionName, status }) => [actionName, status])).toEqual([
      ['Image', 'Succeeded'],
      ['Check', 'Succeeded'],
    ]);
    expect(action('Image').output!.outputVariables).toEqual({
      RegistryId: ACCOUNT,
      RepositoryName: repositoryName,
      ImageTag: 'release',
      ImageDigest: digest,
      ImageURI: `${ACCOUNT}.dkr.ecr.${ECR_REGION}.amazonaws.com/${repositoryName}@${digest}`,
    });
    expect(action('Check').output!.outputVariables).toEqual({ DEPLOYED: digest });
    expect(result.code).toBe(0);
  });

  it('fails the source action, saying what to do, when no image has the tag', async () => {
    const repositoryName = uniqueName('untagged');
    await ecr.send(new CreateRepositoryCommand({ repositoryName }));
    await pushImage(ecr, repositoryName, 'latest', 'other');

    const result = run(repositoryName);

    const report = JSON.parse(result.stdout) as RunReport;
    expect(report.execution.status).toBe('Failed');
    expect(report.actions.find((entry) => entry.actionName === 'Image')).toMatchObject({
      status: 'Failed',
      errorDetails: { message: expect.stringContaining(`ECR repository ${repositoryName} has no image tagged release: push one with that tag`) },
    });
    expect(result.code).not.toBe(0);
  });
});
