import { lstatSync, mkdirSync } from 'node:fs';
import { lstat, readlink } from 'node:fs/promises';
import path from 'node:path';
import { BadInputError } from '../core/errors';

/** Linux gives up after 40 links in one lookup; so do we. */
const MAX_LINK_HOPS = 40;

/** True when `candidate` is `root` or lies below it. Both are absolute and normalized. */
export function isWithin(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}

/** What a lookup finds at a path: nothing, a link and where it points, or anything else (a directory, a file). */
export type PathFound = { kind: 'nothing' } | { kind: 'link'; target: string } | { kind: 'other' };

/** Looks paths up on disk. */
async function lookUpOnDisk(location: string): Promise<PathFound> {
  const stats = await lstat(location).catch(() => undefined);
  if (!stats) return { kind: 'nothing' };
  return stats.isSymbolicLink() ? { kind: 'link', target: await readlink(location) } : { kind: 'other' };
}

/**
 * Where `target` leads when looked up from the real directory `from`, following links the way
 * the kernel does: a `..` after a link goes up from where the link points, not from the link's name.
 * The part from the first missing component on is taken as written. Paths are looked up on disk,
 * or by `lookUp` in a tree that is not written.
 */
export async function realLocation(from: string, target: string, lookUp: (location: string) => Promise<PathFound> = lookUpOnDisk, hops = 0): Promise<string> {
  let current = path.isAbsolute(target) ? path.parse(from).root : from;
  const parts = target.split(/[\\/]/);
  for (const [index, part] of parts.entries()) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      current = path.dirname(current);
      continue;
    }
    const next = path.join(current, part);
    const found = await lookUp(next);
    if (found.kind === 'nothing') return path.join(next, ...parts.slice(index + 1));
    if (found.kind === 'link') {
      if (hops >= MAX_LINK_HOPS) throw new BadInputError(`too many levels of links at ${next}`);
      current = await realLocation(current, found.target, lookUp, hops + 1);
    } else {
      current = next;
    }
  }
  return current;
}

/**
 * Creates `directory` and its missing parents below `root`, refusing to pass through a link or a
 * file on the way. Returns the name of the offending component, or undefined when all is well.
 * Synchronous: each directory is checked once per extraction, and a stat costs less than the
 * round trip to the thread pool that an asynchronous one would take.
 */
export function makeDirectoriesWithin(root: string, directory: string): string | undefined {
  let current = root;
  for (const part of path.relative(root, directory).split(path.sep)) {
    if (part === '') continue;
    current = path.join(current, part);
    const stats = lstatSync(current, { throwIfNoEntry: false });
    if (!stats) mkdirSync(current);
    else if (!stats.isDirectory()) return path.relative(root, current);
  }
  return undefined;
}
