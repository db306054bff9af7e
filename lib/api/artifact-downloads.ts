import type { Caller } from '../core/audit';
import { NotFoundError } from '../core/errors';
import type { SluiceApi } from '../operations/sluice-api';
import { BlobNotFoundError, type BlobStore } from '../ports/blob-store';
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

/** The zip of an output artifact of an execution, read from the artifact store as it is sent. */
async function artifactZip(api: SluiceApi, blobs: BlobStore, executionId: string, artifactName: string): Promise<Download> {
  const { actions } = await api.getPipelineExecution(executionId);
  const produced = actions.flatMap((action) => action.output?.outputArtifacts ?? []);
  const artifact = produced.find((output) => output.name === artifactName);
  if (!artifact) {
    const names = produced
      .map((output) => output.name)
      .sort()
      .join(', ');
    throw new NotFoundError(`Execution ${executionId} has no output artifact ${artifactName}. Its output artifacts: ${names || 'none yet'}.`);
  }
  try {
    const { body, contentLength } = await blobs.get(artifact.s3location);
    return { filename: `${artifactName}.zip`, contentType: 'application/zip', body, ...(contentLength === undefined ? {} : { contentLength }) };
  } catch (error) {
    if (!(error instanceof BlobNotFoundError)) throw error;
    throw new NotFoundError(`The artifact ${artifactName} of execution ${executionId} is no longer stored: the retention policy or sluice prune removed it.`);
  }
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
