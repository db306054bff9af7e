import type { SourceRevision } from '../core/compile';
import type { PipelineDeclaration } from '../core/declaration';
import { providerKey } from '../core/declaration-fields';
import type { ProviderCatalog } from '../core/providers';
import { sourceActions } from '../core/trigger-match';
import { ValidationError } from '../core/errors';
import type { SourceRevisionOverride } from './sluice-api';

/** CodePipeline's SourceRevisionType. */
const REVISION_TYPES = ['COMMIT_ID', 'IMAGE_DIGEST', 'S3_OBJECT_VERSION_ID', 'S3_OBJECT_KEY'];
const MAX_OVERRIDES = 50;
const MAX_VALUE_LENGTH = 1500;

/**
 * The source revisions an execution pins from StartPipelineExecution's `sourceRevisions`: each
 * must name a source action of the pipeline once, with a revision type its provider can be pinned
 * to; any other is refused, naming it, rather than ignored.
 */
export function pinnedRevisions(pipeline: PipelineDeclaration, overrides: SourceRevisionOverride[], catalog: ProviderCatalog): SourceRevision[] {
  if (overrides.length > MAX_OVERRIDES) throw new ValidationError(`sourceRevisions may have at most ${MAX_OVERRIDES} entries.`);
  const seen = new Set<string>();
  return overrides.map(({ actionName, revisionType, revisionValue }) => {
    const action = sourceActions(pipeline).find((candidate) => candidate.name === actionName);
    if (!action) {
      const names = sourceActions(pipeline)
        .map((candidate) => candidate.name)
        .join(', ');
      throw new ValidationError(`sourceRevisions: ${actionName} is not a source action of pipeline ${pipeline.name}; its source actions: ${names}.`);
    }
    if (seen.has(actionName)) throw new ValidationError(`sourceRevisions names source action ${actionName} twice.`);
    seen.add(actionName);
    if (!REVISION_TYPES.includes(revisionType)) {
      throw new ValidationError(`sourceRevisions: revisionType of ${actionName} must be one of ${REVISION_TYPES.join(', ')}, not ${revisionType}.`);
    }
    if (typeof revisionValue !== 'string' || revisionValue.length < 1 || revisionValue.length > MAX_VALUE_LENGTH) {
      throw new ValidationError(`sourceRevisions: revisionValue of ${actionName} must have 1 to ${MAX_VALUE_LENGTH} characters.`);
    }
    const spec = catalog.get(providerKey(action.actionTypeId));
    const pinnable = spec?.pinnableRevisions ?? [];
    const type = revisionType as SourceRevision['revisionType'];
    if (!pinnable.includes(type)) {
      const can = pinnable.length > 0 ? `it can be pinned to ${pinnable.join(' or ')}` : 'it cannot be pinned to any revision';
      throw new ValidationError(`sourceRevisions: source action ${actionName} (${action.actionTypeId.provider}) cannot be pinned to ${revisionType}; ${can}.`);
    }
    const refusal = spec?.refuseRevisionOverride?.(action.configuration ?? {}, type);
    if (refusal) throw new ValidationError(`sourceRevisions: source action ${actionName} cannot be pinned to ${revisionType}: ${refusal}.`);
    return { actionName, revisionType: type, revisionValue };
  });
}
