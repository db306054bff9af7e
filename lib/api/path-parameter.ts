import { BadInputError } from '../core/errors';

/**
 * The longest name or id a path may carry: pipeline, stage and action names have at most 100
 * characters, execution ids and delivery ids are UUIDs. Anything longer is refused before it can
 * become a DynamoDB key, whose size is limited.
 */
export const MAX_PATH_PARAMETER_LENGTH = 128;

/** A percent-encoded name or id from a path; bad encoding or a length no name has is BadInput. */
export function pathParameter(encoded: string, maxLength = MAX_PATH_PARAMETER_LENGTH): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(encoded);
  } catch {
    throw new BadInputError(`The path has malformed percent-encoding in "${encoded.slice(0, 100)}": escape % as %25.`);
  }
  if (decoded.length > maxLength)
    throw new BadInputError(`Part of the path is ${decoded.length} characters long, more than any name or id here (${maxLength}).`);
  return decoded;
}
