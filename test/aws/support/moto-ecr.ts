import { createHash } from 'node:crypto';
import { type ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';

/** The region of the ECR tests' repositories, which no other test file uses. */
export const ECR_REGION = 'il-central-1';

const sha256 = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

/**
 * Pushes an image to `repositoryName` with `tag`, as `docker push` would leave it: a Docker v2
 * manifest with one layer, whose content `layer` stands for. ECR's PutImage takes the manifest
 * alone; moto keeps no layers. Returns the image's digest.
 */
export async function pushImage(ecr: ECRClient, repositoryName: string, tag: string, layer: string): Promise<string> {
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 1469, digest: sha256(`config of ${layer}`) },
    layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: layer.length, digest: sha256(layer) }],
  };
  const { image } = await ecr.send(new PutImageCommand({ repositoryName, imageTag: tag, imageManifest: JSON.stringify(manifest) }));
  return image!.imageId!.imageDigest!;
}
