import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * Whether the secret a request gave is the expected one. Comparing digests takes the same time
 * wherever the two differ, and any text compares, whatever its length or encoding, without
 * throwing: `timingSafeEqual` itself throws on inputs of different byte lengths.
 */
export function sameSecret(given: string | undefined, expected: string): boolean {
  return given !== undefined && timingSafeEqual(digest(given), digest(expected));
}
