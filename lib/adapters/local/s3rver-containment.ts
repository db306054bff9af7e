import path from 'node:path';
import type S3rver from 's3rver';
import S3Error from 's3rver/lib/models/error';

/**
 * Makes s3rver refuse any bucket or key whose file would lie outside its directory. Requests are
 * checked before they reach s3rver (`refuseUnsafeObjectPath`); this also covers the keys that
 * only a body names, such as those of a DeleteObjects request.
 */
export function containFilesystemStore(s3rver: S3rver, directory: string): void {
  const store = s3rver.store;
  const root = path.resolve(directory);
  const bucketPath = store.getBucketPath.bind(store);
  const resourcePath = store.getResourcePath.bind(store);
  store.getBucketPath = (bucket) => inside(root, bucketPath(bucket), `The bucket name "${bucket}"`);
  store.getResourcePath = (bucket, key, resource) =>
    inside(path.join(root, bucket), resourcePath(bucket, key, resource), `The object key "${key ?? ''}" in bucket "${bucket}"`);
}

function inside(parent: string, file: string, what: string): string {
  const relative = path.relative(parent, path.resolve(file));
  if (relative === '' || relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative) || /[\\\0]/.test(file)) {
    throw new S3Error('InvalidArgument', `${what} is not a valid name: it has a "." or ".." segment, a backslash or a NUL character.`);
  }
  return file;
}
