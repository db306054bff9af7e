import type { Caller } from '../core/audit';
import { NotFoundError } from '../core/errors';
import type { ExecutionDetail, SluiceApi } from '../operations/sluice-api';
import { BlobNotFoundError, type BlobLink, type BlobLinks, type BlobStore, type S3Location } from '../ports/blob-store';
import type { Download, DownloadRoutes, StreamedRequest } from '../ports/streamed-routes';
import { pathParameter } from './path-parameter';

export interface ArtifactDownloadDependencies {
  api: (caller: Caller) => SluiceApi;
  /** Where the artifact zips are, as their locations name them. */
  blobs: BlobStore;
  /** Who a request that carries the API token is: the user who owns the data dir. */
  localPrincipal: string;
}

/** `GET /api/executions/{id}/artifacts/{artifactName}`, and the same under `/console/api/`. */
const ARTIFACT = /^\/(?:console\/)?api\/executions\/([^/]+)\/artifacts\/([^/]+)$/;

/** How long a link to an artifact's zip may be followed: long enough to start the download it is made for. */
export const ARTIFACT_LINK_SECONDS = 5 * 60;

/** Where an execution's output artifact is stored; a NotFoundError naming the artifacts it has when it has no such one. */
export function outputArtifactLocation(execution: ExecutionDetail, artifactName: string): S3Location {
  const produced = execution.actions.flatMap((action) => action.output?.outputArtifacts ?? []);
  const artifact = produced.find((output) => output.name === artifactName);
  if (artifact) return artifact.s3location;
  const names = produced
    .map((output) => output.name)
    .sort()
    .join(', ');
  throw new NotFoundError(
    `Execution ${execution.execution.pipelineExecutionId} has no output artifact ${artifactName}. Its output artifacts: ${names || 'none yet'}.`,
  );
}

/** The artifact's object, or the NotFoundError that says it is gone. */
async function stored<T>(executionId: string, artifactName: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (!(error instanceof BlobNotFoundError)) throw error;
    throw new NotFoundError(`The artifact ${artifactName} of execution ${executionId} is no longer stored: the retention policy or sluice prune removed it.`);
  }
}

/** The zip of an output artifact of an execution, read from the artifact store as it is sent. */
async function artifactZip(api: SluiceApi, blobs: BlobStore, executionId: string, artifactName: string): Promise<Download> {
  const location = outputArtifactLocation(await api.getPipelineExecution(executionId), artifactName);
  const { body, contentLength } = await stored(executionId, artifactName, () => blobs.get(location));
  return { filename: `${artifactName}.zip`, contentType: 'application/zip', body, ...(contentLength === undefined ? {} : { contentLength }) };
}

/** Where a server that cannot stream sends the browser for an artifact's zip (API Gateway on AWS). */
export interface ArtifactLinkDependencies {
  /** Where the artifact zips are, as their locations name them. */
  blobs: BlobStore;
  links: BlobLinks;
}

/** A link to the zip of an output artifact of an execution, which downloads it as `<name>.zip`; made only for a zip still stored. */
export async function artifactLink(api: SluiceApi, deps: ArtifactLinkDependencies, executionId: string, artifactName: string): Promise<BlobLink> {
  const location = outputArtifactLocation(await api.getPipelineExecution(executionId), artifactName);
  await stored(executionId, artifactName, () => deps.blobs.head(location));
  return deps.links.downloadLink(location, { filename: `${artifactName}.zip`, expiresInSeconds: ARTIFACT_LINK_SECONDS });
}

/** The download of an execution's output artifacts, where the server can stream them (`sluice serve`). */
export function artifactDownloads(deps: ArtifactDownloadDependencies): DownloadRoutes {
  return {
    serves: (path) => ARTIFACT.test(path),
    open: async (request: StreamedRequest) => {
      const [, executionId, artifactName] = ARTIFACT.exec(request.path) ?? [];
      if (!executionId || !artifactName) throw new NotFoundError(`Nothing at ${request.path}.`);
      return artifactZip(
        deps.api({ who: request.principal ?? deps.localPrincipal, from: request.sourceIp }),
        deps.blobs,
        pathParameter(executionId),
        pathParameter(artifactName),
      );
    },
  };
}
