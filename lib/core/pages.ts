import { BadInputError, InvalidNextTokenError } from './errors';

/** Which page of a listing a caller asks for, as CodePipeline's List operations take it. */
export interface PageRequest {
  maxResults?: number;
  /** The token the previous page ended with. */
  nextToken?: string;
}

/** One page of a listing, and the token of the next when there is one. */
export interface Page<T> {
  items: T[];
  nextToken?: string;
}

/** A listing's page sizes: the most one page may hold, and how many it holds when the caller does not say. */
export interface PageSizes {
  max: number;
  default: number;
}

/** The token names the last item of the page by its key; opaque to callers, so that it may change. */
export const tokenOf = (key: string): string => Buffer.from(JSON.stringify({ after: key }), 'utf8').toString('base64url');

/** The key a token names; undefined for a token no listing gave. */
export function keyIn(token: string): string | undefined {
  try {
    const { after } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    return typeof after === 'string' ? after : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The page of `items`, in their listing order, that `request` asks for: the first `maxResults`
 * after the item its token names. A token this listing did not give, or whose item is gone, is
 * refused: the caller starts again without one.
 */
export function pageOf<T>(items: readonly T[], request: PageRequest, keyOf: (item: T) => string, sizes: PageSizes): Page<T> {
  const { maxResults = sizes.default, nextToken } = request;
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > sizes.max) {
    throw new BadInputError(`maxResults must be a whole number from 1 to ${sizes.max}, not ${maxResults}.`);
  }
  let start = 0;
  if (nextToken !== undefined) {
    const after = keyIn(nextToken);
    const index = after === undefined ? -1 : items.findIndex((item) => keyOf(item) === after);
    if (index < 0) throw new InvalidNextTokenError('The nextToken is not one this listing gave, or what it pointed at is gone: list again without it.');
    start = index + 1;
  }
  const page = items.slice(start, start + maxResults);
  const more = start + maxResults < items.length;
  return { items: page, ...(more ? { nextToken: tokenOf(keyOf(page[page.length - 1]!)) } : {}) };
}
