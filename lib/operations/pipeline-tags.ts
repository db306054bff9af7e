import type { Tag } from '../ports/execution-store';
import { InvalidArnError, InvalidTagsError, TooManyTagsError } from '../core/errors';

/** CodePipeline's limits on a resource's tags. */
export const MAX_TAGS = 50;
const MAX_KEY_LENGTH = 128;
const MAX_VALUE_LENGTH = 256;
/** AWS keeps keys with this prefix for its own tags. */
const RESERVED_PREFIX = 'aws:';
/** The characters AWS allows in tags: letters, digits, spaces and + - = . _ : / @ in any script. */
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const CODEPIPELINE_ARN = /^arn:aws[a-z-]*:codepipeline:[^:]*:[^:]*:.+$/;

/** Refuses a key CodePipeline refuses: an empty, long or reserved one, or one with a character outside AWS's set. */
function checkKey(key: string): void {
  if (typeof key !== 'string' || key.length < 1 || key.length > MAX_KEY_LENGTH) {
    throw new InvalidTagsError(`A tag key must have 1 to ${MAX_KEY_LENGTH} characters; "${key}" does not.`);
  }
  if (key.toLowerCase().startsWith(RESERVED_PREFIX)) throw new InvalidTagsError(`Tag key ${key}: keys starting with ${RESERVED_PREFIX} are reserved for AWS.`);
  if (!TAG_TEXT.test(key)) throw new InvalidTagsError(`Tag key ${key}: keys may hold letters, digits, spaces and + - = . _ : / @ only.`);
}

/** Refuses tags CodePipeline refuses: a key checkKey refuses, a missing or long value, a character outside AWS's set, a key twice. */
export function checkTags(tags: Tag[]): void {
  const seen = new Set<string>();
  for (const { key, value } of tags) {
    checkKey(key);
    if (typeof value !== 'string') throw new InvalidTagsError(`Tag ${key} needs a value: a string, which may be empty.`);
    if (value.length > MAX_VALUE_LENGTH) throw new InvalidTagsError(`The value of tag ${key} must have at most ${MAX_VALUE_LENGTH} characters.`);
    if (!TAG_TEXT.test(value)) throw new InvalidTagsError(`Tag ${key}: values may hold letters, digits, spaces and + - = . _ : / @ only.`);
    if (seen.has(key)) throw new InvalidTagsError(`Tag key ${key} is given twice.`);
    seen.add(key);
  }
}

/**
 * Refuses the keys UntagResource may not name: one no tag could have, as TagResource refuses it,
 * or one of AWS's own (`aws:`), which only AWS removes.
 */
export function checkTagKeys(keys: string[]): void {
  keys.forEach(checkKey);
}

/** The tags after adding or replacing `added`, within the limit of a resource. */
export function taggedWith(current: Tag[], added: Tag[]): Tag[] {
  checkTags(added);
  const merged = new Map(current.map((tag) => [tag.key, tag.value]));
  for (const tag of added) merged.set(tag.key, tag.value);
  if (merged.size > MAX_TAGS) {
    throw new TooManyTagsError(`A pipeline may have at most ${MAX_TAGS} tags; this would give it ${merged.size}. UntagResource removes some first.`);
  }
  return [...merged].map(([key, value]) => ({ key, value }));
}

/**
 * The pipeline a resource ARN names here: its ARN is `pipelineArn(name)`, the ARN GetPipeline's
 * metadata shows. Undefined for a CodePipeline ARN of another place (a region or account not
 * this one's) or another kind of resource; InvalidArn for what is no CodePipeline ARN at all.
 */
export function pipelineNamed(resourceArn: string, pipelineArn: (name: string) => string): string | undefined {
  if (typeof resourceArn !== 'string' || !CODEPIPELINE_ARN.test(resourceArn)) {
    throw new InvalidArnError(`${resourceArn} is not a CodePipeline ARN, like ${pipelineArn('my-pipeline')}.`);
  }
  const prefix = pipelineArn('');
  const name = resourceArn.startsWith(prefix) ? resourceArn.slice(prefix.length) : undefined;
  // A webhook's or action type's ARN has a second part: `webhook:name`, `actiontype:...`.
  return name && !name.includes(':') ? name : undefined;
}
