import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ImageDetail, ImageIdentifier } from '@aws-sdk/client-ecr';
import { NotFoundError } from '../core/errors';
import type { ConfigurationProblem, ProviderSpec } from '../core/providers';
import { artifactCounts, awsClientFor, storeOutputArtifact, type ActionContext, type ActionOutcome, type ActionProvider } from './action-provider';

/** CodePipeline's default when a declaration names no ImageTag. */
const DEFAULT_IMAGE_TAG = 'latest';
const IMAGE_DETAIL_FILE = 'imageDetail.json';

/** ECR's rules for a repository's name and an image's tag (the API's repositoryName and imageTag). */
const REPOSITORY_NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const MAX_REPOSITORY_NAME = 256;
const MAX_IMAGE_TAG = 300;

function checkConfiguration({ RepositoryName: name, ImageTag: tag }: Readonly<Record<string, string>>): ConfigurationProblem[] {
  const resolved = (value: string | undefined): value is string => value !== undefined && !value.includes('#{');
  const problems: ConfigurationProblem[] = [];
  if (resolved(name) && (name.length < 2 || name.length > MAX_REPOSITORY_NAME || !REPOSITORY_NAME.test(name))) {
    problems.push({
      key: 'RepositoryName',
      message: `RepositoryName "${name}" is no ECR repository name: 2 to ${MAX_REPOSITORY_NAME} lowercase letters and digits, in parts joined by ".", "_" or "-", with "/" between namespaces.`,
    });
  }
  if (resolved(tag) && tag.length > MAX_IMAGE_TAG) {
    problems.push({ key: 'ImageTag', message: `ImageTag must have at most ${MAX_IMAGE_TAG} characters.` });
  }
  return problems;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * A time as CodePipeline writes ImagePushedAt in imageDetail.json, which is Java's Date#toString
 * in UTC: `Mon Jan 21 20:04:00 UTC 2019`.
 */
export function imagePushedAtText(time: Date): string {
  const two = (value: number) => String(value).padStart(2, '0');
  const clock = `${two(time.getUTCHours())}:${two(time.getUTCMinutes())}:${two(time.getUTCSeconds())}`;
  return `${WEEKDAYS[time.getUTCDay()]} ${MONTHS[time.getUTCMonth()]} ${two(time.getUTCDate())} ${clock} UTC ${time.getUTCFullYear()}`;
}

/** The imageDetail.json that CodePipeline's ECR source writes, with its field names and order, for the image at `repositoryUri`. */
export function imageDetailFile(image: ImageDetail, repositoryUri: string): Record<string, unknown> {
  return {
    ImageSizeInBytes: image.imageSizeInBytes === undefined ? undefined : String(image.imageSizeInBytes),
    ImageDigest: image.imageDigest,
    Version: '1.0',
    ImagePushedAt: image.imagePushedAt ? imagePushedAtText(image.imagePushedAt) : undefined,
    RegistryId: image.registryId,
    RepositoryName: image.repositoryName,
    ImageURI: `${repositoryUri}@${image.imageDigest}`,
    ImageTags: image.imageTags ?? [],
  };
}

/** The image the action reads: the digest the execution pins, or the one its tag names now. */
async function describeImage(context: ActionContext, repositoryName: string, imageTag: string): Promise<ImageDetail> {
  const { ECRClient, DescribeImagesCommand, ImageNotFoundException, RepositoryNotFoundException } = await import('@aws-sdk/client-ecr');
  const ecr = awsClientFor(context, ECRClient);
  const pinnedDigest = context.sourceRevisionType === 'IMAGE_DIGEST' ? context.sourceRevision : undefined;
  const imageId: ImageIdentifier = pinnedDigest ? { imageDigest: pinnedDigest } : { imageTag };
  try {
    const { imageDetails } = await ecr.send(new DescribeImagesCommand({ repositoryName, imageIds: [imageId] }));
    return imageDetails![0]!;
  } catch (error) {
    if (error instanceof RepositoryNotFoundException) {
      throw new NotFoundError(
        `ECR has no repository ${repositoryName} in the registry these credentials reach: check RepositoryName, and the account and region Sluice reads ECR in.`,
        { cause: error },
      );
    }
    if (error instanceof ImageNotFoundException) {
      throw new NotFoundError(
        pinnedDigest
          ? `The image ${pinnedDigest} of ECR repository ${repositoryName}, which the execution pins, does not exist; it may have been deleted. Start the pipeline again to read the image tagged ${imageTag}.`
          : `ECR repository ${repositoryName} has no image tagged ${imageTag}: push one with that tag, or set ImageTag to a tag the repository has.`,
        { cause: error },
      );
    }
    throw error;
  }
}

async function repositoryUri(context: ActionContext, repositoryName: string): Promise<string> {
  const { ECRClient, DescribeRepositoriesCommand } = await import('@aws-sdk/client-ecr');
  const { repositories } = await awsClientFor(context, ECRClient).send(new DescribeRepositoriesCommand({ repositoryNames: [repositoryName] }));
  return repositories![0]!.repositoryUri!;
}

export const ecrSourceSpec: ProviderSpec = {
  category: 'Source',
  owner: 'AWS',
  provider: 'ECR',
  version: '1',
  description: 'An image of an ECR repository, as imageDetail.json.',
  configuration: [
    { name: 'RepositoryName', required: true, description: 'The ECR repository that images are pushed to.' },
    { name: 'ImageTag', required: false, description: `The tag of the image; ${DEFAULT_IMAGE_TAG} by default.` },
  ],
  inputArtifacts: artifactCounts.none,
  outputArtifacts: artifactCounts.one,
  outputVariables: ['RegistryId', 'RepositoryName', 'ImageTag', 'ImageDigest', 'ImageURI'],
  runtimes: ['aws', 'local'],
  cost: { pricedAs: 'runner', runnerMs: 3000 },
  awsServices: ['ecr'],
  iam: [
    // Repositories are named by pipelines registered at run time: any of the account and region.
    { actions: ['ecr:DescribeImages', 'ecr:DescribeRepositories'], resources: ['arn:${AWS::Partition}:ecr:${AWS::Region}:${AWS::AccountId}:repository/*'] },
  ],
  pinnableRevisions: ['IMAGE_DIGEST'],
  // A push of an image with the action's tag to its repository.
  sourceChanges: {
    kind: 'ECR',
    mismatch: ({ RepositoryName, ImageTag = DEFAULT_IMAGE_TAG }, change, action) => {
      if (RepositoryName !== change.repositoryName) return `source action ${action.name} reads ECR repository ${RepositoryName}, not ${change.repositoryName}`;
      return ImageTag === change.imageTag ? undefined : `image tag ${change.imageTag} is not ${ImageTag}, the tag of source action ${action.name}`;
    },
    revision: (change) => ({ revisionType: 'IMAGE_DIGEST', revisionValue: change.imageDigest }),
  },
  checkConfiguration,
};

/**
 * An image of an ECR repository, by its tag or by the digest that the execution pins: its
 * imageDetail.json as the output artifact, and its registry, repository, tag, digest and URI as
 * variables.
 */
export const ecrSource: ActionProvider = {
  spec: ecrSourceSpec,

  async run(context): Promise<ActionOutcome> {
    const { RepositoryName: repositoryName, ImageTag: imageTag = DEFAULT_IMAGE_TAG } = context.action.configuration as Record<string, string>;
    const image = await describeImage(context, repositoryName!, imageTag);
    const detail = imageDetailFile(image, await repositoryUri(context, repositoryName!));
    const directory = path.join(context.workspace, 'image');
    await mkdir(directory);
    await writeFile(path.join(directory, IMAGE_DETAIL_FILE), `${JSON.stringify(detail, null, 4)}\n`);
    const imageUri = detail.ImageURI as string;
    // CodePipeline gives no ImageTag when an override pins the image: here, when the image read does not carry the tag.
    const tagged = image.imageTags?.includes(imageTag) ?? false;
    context.log(
      `Read ${imageUri}${tagged ? `, tagged ${imageTag}` : ''}${context.sourceRevisionType === 'IMAGE_DIGEST' ? ', the image the execution pins' : ''}\n`,
    );
    return {
      outputArtifacts: [await storeOutputArtifact(context, directory)],
      outputVariables: {
        RegistryId: image.registryId!,
        RepositoryName: repositoryName!,
        ...(tagged ? { ImageTag: imageTag } : {}),
        ImageDigest: image.imageDigest!,
        ImageURI: imageUri,
      },
      summary: imageUri,
      externalExecutionId: image.imageDigest!,
    };
  },
};
