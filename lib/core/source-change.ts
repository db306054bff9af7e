import { z } from 'zod';
import type { SourceRevision } from './compile';
import type { ActionDeclaration, PipelineDeclaration } from './declaration';
import { providerKey } from './declaration-fields';
import { BadInputError } from './errors';
import type { ProviderCatalog } from './providers';
import { sourceActions } from './trigger-match';

/**
 * A change to a CodeCommit branch, to an S3 object or to an ECR image tag, as EventBridge reports
 * it, and the source action of a pipeline that it starts, pinned to the changed revision.
 * CodePipeline starts these sources through EventBridge rules (trigger type CloudWatchEvent), and
 * so does Sluice:
 * - `PollForSourceChanges` "true" says that CodePipeline polls the source and no event rule starts
 *   it (CodePipeline's docs: a rule and polling together would start it twice); "false" says an
 *   event rule starts it. Without the key, Sluice does what CodePipeline's console sets up: an
 *   event rule. A polled action is left to the poller (`polledSourceActions`).
 * - V2 `triggers` do not govern these sources. CodePipeline takes triggers for
 *   CodeStarSourceConnection actions only, and its event rules start a pipeline that has triggers
 *   all the same.
 */

interface SourceChangeBase {
  /** The EventBridge event's id, which a redelivery of the event repeats. */
  eventId: string;
  /** The ARN of the repository or bucket that changed. */
  resource: string;
}

export interface CodeCommitBranchChange extends SourceChangeBase {
  kind: 'CodeCommit';
  repositoryName: string;
  branch: string;
  commitId: string;
}

export interface S3ObjectChange extends SourceChangeBase {
  kind: 'S3';
  bucket: string;
  key: string;
  /** Only a versioned bucket gives one. */
  versionId?: string;
}

/** An image pushed to an ECR repository with a tag: the tag now names that image. */
export interface EcrImagePushChange extends SourceChangeBase {
  kind: 'ECR';
  repositoryName: string;
  imageTag: string;
  /** The pushed image's manifest digest, `sha256:...`. */
  imageDigest: string;
}

export type SourceChange = CodeCommitBranchChange | S3ObjectChange | EcrImagePushChange;

export type SourceEvent =
  | { kind: 'change'; change: SourceChange }
  /** A well-formed event that can start nothing, and why. */
  | { kind: 'ignored'; reason: string };

/**
 * S3's `Object Created` event on EventBridge, as the S3 User Guide documents it ("EventBridge event
 * message structure"); the local S3 raises the same. Sluice reads the bucket, key and version.
 */
export interface S3ObjectCreatedEvent {
  version: '0';
  id: string;
  'detail-type': 'Object Created';
  source: 'aws.s3';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: {
    version: '0';
    bucket: { name: string };
    object: { key: string; size?: number; etag?: string; 'version-id'?: string; sequencer?: string };
    'request-id'?: string;
    requester?: string;
    reason?: 'PutObject' | 'POST Object' | 'CopyObject' | 'CompleteMultipartUpload';
  };
}

export const CODECOMMIT_STATE_CHANGE = { source: 'aws.codecommit', detailType: 'CodeCommit Repository State Change' } as const;
export const S3_OBJECT_CREATED = { source: 'aws.s3', detailType: 'Object Created' } as const;
/** ECR's event for an image pushed or deleted, as the ECR User Guide documents it ("Amazon ECR events and EventBridge"). */
export const ECR_IMAGE_ACTION = { source: 'aws.ecr', detailType: 'ECR Image Action' } as const;

/** The reference events that move a branch to a commit; referenceDeleted leaves nothing to build. */
const BRANCH_MOVES = ['referenceCreated', 'referenceUpdated'];

const EnvelopeSchema = z.object({
  id: z.string().min(1),
  source: z.string(),
  'detail-type': z.string(),
  account: z.string().optional(),
  region: z.string().optional(),
  resources: z.array(z.string()).optional(),
  detail: z.unknown(),
});

type Envelope = z.infer<typeof EnvelopeSchema>;

const ReferenceEventSchema = z.object({ event: z.string(), referenceType: z.string().optional() });

const BranchMoveSchema = z.object({
  repositoryName: z.string().min(1),
  referenceName: z.string().min(1),
  commitId: z.string().min(1),
});

const ObjectCreatedSchema = z.object({
  bucket: z.object({ name: z.string().min(1) }),
  object: z.object({ key: z.string().min(1), 'version-id': z.string().min(1).optional() }),
});

const ImageActionSchema = z.object({ 'action-type': z.string(), result: z.string() });

const ImagePushSchema = z.object({
  'repository-name': z.string().min(1),
  'image-digest': z.string().min(1),
  'image-tag': z.string().optional(),
});

function parsed<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new BadInputError(`The ${what} event is malformed: ${z.prettifyError(result.error).replace(/\n/g, ' ')}`);
  return result.data;
}

function codeCommitEvent(envelope: Envelope): SourceEvent {
  const what = CODECOMMIT_STATE_CHANGE.detailType;
  const { event, referenceType } = parsed(ReferenceEventSchema, envelope.detail, what);
  if (!BRANCH_MOVES.includes(event)) return { kind: 'ignored', reason: `CodeCommit event ${event} starts no pipeline; ${BRANCH_MOVES.join(' and ')} do` };
  if (referenceType !== 'branch')
    return { kind: 'ignored', reason: `a ${referenceType ?? 'reference without a type'} is not a branch, and only branches start pipelines` };
  const { repositoryName, referenceName, commitId } = parsed(BranchMoveSchema, envelope.detail, what);
  return {
    kind: 'change',
    change: { kind: 'CodeCommit', eventId: envelope.id, resource: envelope.resources?.[0] ?? repositoryName, repositoryName, branch: referenceName, commitId },
  };
}

function s3Event(envelope: Envelope): SourceEvent {
  const { bucket, object } = parsed(ObjectCreatedSchema, envelope.detail, S3_OBJECT_CREATED.detailType);
  const versionId = object['version-id'];
  return {
    kind: 'change',
    change: {
      kind: 'S3',
      eventId: envelope.id,
      resource: envelope.resources?.[0] ?? `arn:aws:s3:::${bucket.name}`,
      bucket: bucket.name,
      key: object.key,
      ...(versionId ? { versionId } : {}),
    },
  };
}

/**
 * ECR's event names no resource; the repository's ARN is made from the event's account and region
 * where it has them.
 */
function ecrRepositoryArn(envelope: Envelope, repositoryName: string): string {
  return envelope.account && envelope.region ? `arn:aws:ecr:${envelope.region}:${envelope.account}:repository/${repositoryName}` : repositoryName;
}

function ecrEvent(envelope: Envelope): SourceEvent {
  const what = ECR_IMAGE_ACTION.detailType;
  const { 'action-type': actionType, result } = parsed(ImageActionSchema, envelope.detail, what);
  if (actionType !== 'PUSH') return { kind: 'ignored', reason: `ECR image action ${actionType} starts no pipeline; only PUSH does` };
  if (result !== 'SUCCESS') return { kind: 'ignored', reason: `an ECR push whose result is ${result} starts no pipeline; only SUCCESS does` };
  const { 'repository-name': repositoryName, 'image-digest': imageDigest, 'image-tag': imageTag } = parsed(ImagePushSchema, envelope.detail, what);
  // An ECR source follows a tag: an image pushed by digest alone moves none.
  if (!imageTag) return { kind: 'ignored', reason: `the image ${imageDigest} pushed to ${repositoryName} has no tag, and ECR sources follow a tag` };
  return {
    kind: 'change',
    change: { kind: 'ECR', eventId: envelope.id, resource: ecrRepositoryArn(envelope, repositoryName), repositoryName, imageTag, imageDigest },
  };
}

const eventKind = (source: string, detailType: string) => `${source}/${detailType}`;

/** How each event that the rules route here is read, by its source and detail-type. */
const EVENT_READERS = new Map<string, (envelope: Envelope) => SourceEvent>([
  [eventKind(CODECOMMIT_STATE_CHANGE.source, CODECOMMIT_STATE_CHANGE.detailType), codeCommitEvent],
  [eventKind(S3_OBJECT_CREATED.source, S3_OBJECT_CREATED.detailType), s3Event],
  [eventKind(ECR_IMAGE_ACTION.source, ECR_IMAGE_ACTION.detailType), ecrEvent],
]);

/**
 * What an EventBridge event means for source triggers. An event that is not a CodeCommit
 * Repository State Change, an S3 Object Created or an ECR Image Action, or lacks a field Sluice
 * reads, is BadInput.
 */
export function sourceEventOf(event: unknown): SourceEvent {
  const envelope = parsed(EnvelopeSchema, event, 'source change');
  const read = EVENT_READERS.get(eventKind(envelope.source, envelope['detail-type']));
  if (!read) {
    throw new BadInputError(
      `An event from ${envelope.source} of detail-type "${envelope['detail-type']}" is no source change; only "${CODECOMMIT_STATE_CHANGE.detailType}", "${S3_OBJECT_CREATED.detailType}" and "${ECR_IMAGE_ACTION.detailType}" events start pipelines. Check the event pattern of the rule that sent it.`,
    );
  }
  return read(envelope);
}

/**
 * How a change finds the source actions of one provider that it changed, and the revision it pins
 * them to: part of that provider's spec (ProviderSpec.sourceChanges).
 */
export interface SourceChangeMatcher<C extends SourceChange = SourceChange> {
  kind: C['kind'];
  /** Why the action's configuration is not what changed; undefined when it is. */
  mismatch(configuration: Record<string, string>, change: C, action: ActionDeclaration): string | undefined;
  revision(change: C): Omit<SourceRevision, 'actionName'>;
}

/** Whether CodePipeline polls the source action, rather than an event rule start it. */
export const pollsForSourceChanges = (action: ActionDeclaration): boolean => action.configuration?.PollForSourceChanges === 'true';

/** The source actions of `pipeline` that are polled for changes: those of a provider that can be polled, with PollForSourceChanges "true". */
export function polledSourceActions(pipeline: PipelineDeclaration, catalog: ProviderCatalog): ActionDeclaration[] {
  return sourceActions(pipeline).filter((action) => catalog.get(providerKey(action.actionTypeId))?.sourceChanges && pollsForSourceChanges(action));
}

/** What validation says of PollForSourceChanges: "true" or "false". Both runtimes poll a source whose value is "true". */
export function pollForSourceChangesProblems(configuration: Readonly<Record<string, string>>): { key: string; message: string }[] {
  const value = configuration.PollForSourceChanges;
  if (value === undefined || value.includes('#{') || value === 'true' || value === 'false') return [];
  return [{ key: 'PollForSourceChanges', message: `PollForSourceChanges must be "true" or "false", not "${value}".` }];
}

export type SourceChangeDecision = { start: true; revision: SourceRevision; reason: string } | { start: false; reason: string };

/**
 * Whether `change` starts `pipeline`: it does when it changed what a source action of the change's
 * provider reads. The execution is pinned to the changed revision at the first such action.
 */
export function matchSourceChange(pipeline: PipelineDeclaration, change: SourceChange, catalog: ProviderCatalog): SourceChangeDecision {
  const matcherOf = (action: ActionDeclaration) => {
    const matcher = catalog.get(providerKey(action.actionTypeId))?.sourceChanges;
    return matcher?.kind === change.kind ? (matcher as SourceChangeMatcher) : undefined;
  };
  const ofKind = sourceActions(pipeline).filter((action) => matcherOf(action));
  if (ofKind.length === 0) return { start: false, reason: `the pipeline has no ${change.kind} source action` };
  const candidates = ofKind.filter((action) => !pollsForSourceChanges(action));
  const reasons = ofKind
    .filter(pollsForSourceChanges)
    .map((action) => `source action ${action.name} has PollForSourceChanges true: it is polled, and no event starts it`);
  for (const action of candidates) {
    const matcher = matcherOf(action)!;
    const reason = matcher.mismatch(action.configuration ?? {}, change, action);
    if (reason === undefined) {
      return { start: true, revision: { actionName: action.name, ...matcher.revision(change) }, reason: `a change to what source action ${action.name} reads` };
    }
    reasons.push(reason);
  }
  return { start: false, reason: reasons.join('; ') };
}

/** The trigger detail of an execution a change started: what changed, at which revision, by which event. */
export function sourceChangeTriggerDetail(change: SourceChange): string {
  return `${change.resource}, ${changedRevision(change)} (event ${change.eventId})`;
}

function changedRevision(change: SourceChange): string {
  switch (change.kind) {
    case 'CodeCommit':
      return `branch ${change.branch} at ${change.commitId}`;
    case 'S3':
      return `object ${change.key}${change.versionId ? ` version ${change.versionId}` : ''}`;
    case 'ECR':
      return `image tag ${change.imageTag} at ${change.imageDigest}`;
  }
}
