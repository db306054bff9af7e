/**
 * The rules for where an object may live. S3 itself takes any key, but the embedded S3 keeps each
 * object in a file named by its bucket and key, where `.` and `..` segments, backslashes and NUL
 * would lead outside its directory. Sluice refuses such keys and bucket names everywhere, so that a
 * pipeline that works locally works the same on AWS.
 */

/** Letters, digits, dots, hyphens and underscores: S3's rules, with the older ones' capitals and underscores. */
const BUCKET_NAME = /^[A-Za-z0-9._-]+$/;

/** What is wrong with `key` as an object key or key prefix, or undefined when nothing is. */
export function objectKeyProblem(key: string): string | undefined {
  if (key.includes('\0')) return `object key ${JSON.stringify(key)} contains a NUL character`;
  if (key.includes('\\')) return `object key ${JSON.stringify(key)} contains a backslash; separate its parts with /`;
  if (key.split('/').some((segment) => segment === '.' || segment === '..')) {
    return `object key ${JSON.stringify(key)} has a "." or ".." part; name the object by its own path, without them`;
  }
  return undefined;
}

/** What is wrong with `name` as a bucket name, or undefined when nothing is. */
export function bucketNameProblem(name: string): string | undefined {
  if (!BUCKET_NAME.test(name) || /^\.+$/.test(name)) {
    return `bucket name ${JSON.stringify(name)} is not an S3 bucket name: use lowercase letters, digits, dots and hyphens`;
  }
  return undefined;
}
