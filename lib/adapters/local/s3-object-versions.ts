import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { XMLParser } from 'fast-xml-parser';
import { answer, type Upstream } from './aws-chunked-proxy';
import type { S3Refusal } from './s3-request-checks';

/** The object headers a version keeps, as S3 answers them on GET and HEAD. */
const KEPT_HEADERS = [
  'content-type',
  'content-length',
  'etag',
  'last-modified',
  'cache-control',
  'content-disposition',
  'content-encoding',
  'content-language',
  'expires',
  'x-amz-storage-class',
  'x-amz-website-redirect-location',
];

/** The most of a PutBucketVersioning body that is read. */
const MAX_CONFIGURATION_BYTES = 64 * 1024;

/** What S3's version ids look like: 32 URL-safe characters. */
const VERSION_ID = /^[A-Za-z0-9_-]{32}$/;

/** Query parameters that make a PUT or POST on a key something other than writing the object. */
const SUBRESOURCES = ['acl', 'tagging', 'legal-hold', 'retention', 'torrent', 'uploads', 'select', 'partNumber'];

interface KeptVersion {
  versionId: string;
  headers: Record<string, string>;
}

/** The versions kept of one key, oldest first: the last is the one the key holds, unless it was deleted since. */
interface KeyVersions {
  key: string;
  versions: KeptVersion[];
}

interface Target {
  bucket: string;
  key: string;
  query: URLSearchParams;
}

/**
 * Object versioning for the embedded S3, whose server (s3rver) has none. It sits in the proxy in
 * front of that server: `PutBucketVersioning` with `Enabled` marks a bucket versioned, and from
 * then on each PutObject, CopyObject and CompleteMultipartUpload into it gets a version id, and a
 * copy of what it wrote is kept under `directory` (`<bucket>/<sha256 of key>/<versionId>`, with
 * the version's headers in `versions.json`). The server keeps holding the current object.
 *
 * It answers `x-amz-version-id` on those writes and on GET and HEAD; GET and HEAD with
 * `versionId` read a kept version, and DeleteObject with `versionId` deletes one (not the current
 * one). Deleting a bucket deletes its versions. Writes to one key are serialized, so the copy kept
 * is the one the write made. Suspending versioning and ListObjectVersions are not supported.
 */
export class ObjectVersions {
  private readonly writes = new Map<string, Promise<void>>();
  private readonly writing = new Map<string, Promise<string | undefined>>();

  constructor(private readonly directory: string) {}

  /** Handles one admitted request to the embedded S3. */
  async route(request: http.IncomingMessage, response: http.ServerResponse, upstream: Upstream): Promise<void> {
    const target = parseTarget(request.url ?? '/');
    if (!target) return upstream.forward(request, response);
    const { bucket, key, query } = target;
    if (key === '') {
      if (query.has('versioning')) return this.bucketVersioning(request, response, upstream, bucket);
      if (request.method === 'DELETE' && query.size === 0) {
        return upstream.forward(request, response, async ({ statusCode }) => {
          if (statusCode === 204) await rm(this.bucketDirectory(bucket), { recursive: true, force: true });
          return {};
        });
      }
      return upstream.forward(request, response);
    }
    const versionId = query.get('versionId');
    if (versionId !== null && (request.method === 'GET' || request.method === 'HEAD')) return this.serveVersion(request, response, target, versionId);
    if (versionId !== null && request.method === 'DELETE') return this.serialized(target, () => this.deleteVersion(response, upstream, target, versionId));
    if (!(await this.isVersioned(bucket))) return upstream.forward(request, response);
    if (isObjectWrite(request.method, query)) return this.recordWrite(request, response, upstream, target);
    if (request.method === 'GET' || request.method === 'HEAD') {
      return upstream.forward(request, response, async ({ statusCode }) => {
        const current = statusCode === 200 || statusCode === 206 || statusCode === 304 ? (await this.readVersions(target)).versions.at(-1) : undefined;
        return current ? { 'x-amz-version-id': current.versionId } : {};
      });
    }
    return upstream.forward(request, response);
  }

  /**
   * The version id that the write under way to `bucket`/`key` gives it, once its copy is kept;
   * undefined when no versioned write is under way, or when it failed.
   */
  versionBeingWritten(bucket: string, key: string): Promise<string | undefined> {
    return this.writing.get(JSON.stringify([bucket, key])) ?? Promise.resolve(undefined);
  }

  private async bucketVersioning(request: http.IncomingMessage, response: http.ServerResponse, upstream: Upstream, bucket: string): Promise<void> {
    const exists = await upstream.send('HEAD', `/${encodeURIComponent(bucket)}`);
    exists.resume();
    if (exists.statusCode !== 200) return answer(response, { status: 404, code: 'NoSuchBucket', message: `The bucket ${bucket} does not exist.` });
    if (request.method === 'GET') {
      const status = (await this.isVersioned(bucket)) ? '<Status>Enabled</Status>' : '';
      return respondXml(response, `<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${status}</VersioningConfiguration>`);
    }
    if (request.method !== 'PUT')
      return answer(response, { status: 405, code: 'MethodNotAllowed', message: 'The specified method is not allowed against this resource.' });
    const body = await readSmallBody(upstream.body(request));
    const refusal =
      body === undefined
        ? { status: 400, code: 'MalformedXML', message: `A versioning configuration is a few hundred bytes; this one is over ${MAX_CONFIGURATION_BYTES}.` }
        : versioningRefusal(body);
    if (refusal) return answer(response, refusal);
    await mkdir(this.bucketDirectory(bucket), { recursive: true });
    await writeFile(path.join(this.bucketDirectory(bucket), 'versioning-enabled'), '');
    response.writeHead(200, { 'content-length': 0 });
    response.end();
  }

  private recordWrite(request: http.IncomingMessage, response: http.ServerResponse, upstream: Upstream, target: Target): Promise<void> {
    return this.serialized(target, async () => {
      const name = JSON.stringify([target.bucket, target.key]);
      let settle!: (versionId: string | undefined) => void;
      this.writing.set(name, new Promise((resolve) => (settle = resolve)));
      let versionId: string | undefined;
      try {
        await upstream.forward(request, response, async ({ statusCode }) => {
          if (statusCode !== 200) return {};
          versionId = await this.keepCurrent(upstream, target);
          return { 'x-amz-version-id': versionId };
        });
      } finally {
        settle(versionId);
        this.writing.delete(name);
      }
    });
  }

  /** Copies the object the key holds now into a new version, and returns its id. */
  private async keepCurrent(upstream: Upstream, target: Target): Promise<string> {
    const object = await upstream.send('GET', objectPath(target));
    if (object.statusCode !== 200) {
      object.resume();
      throw new Error(`s3://${target.bucket}/${target.key} could not be read back to keep its version (HTTP ${object.statusCode})`);
    }
    const versionId = randomBytes(24).toString('base64url');
    const directory = this.keyDirectory(target);
    await mkdir(directory, { recursive: true });
    await pipeline(object, createWriteStream(path.join(directory, versionId)));
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(object.headers)) {
      if (typeof value === 'string' && (KEPT_HEADERS.includes(name) || name.startsWith('x-amz-meta-'))) headers[name] = value;
    }
    const kept = await this.readVersions(target);
    await this.writeVersions(target, { key: target.key, versions: [...kept.versions, { versionId, headers }] });
    return versionId;
  }

  private async serveVersion(request: http.IncomingMessage, response: http.ServerResponse, target: Target, versionId: string): Promise<void> {
    if (request.headers.range !== undefined) {
      return answer(response, {
        status: 501,
        code: 'NotImplemented',
        message: 'The embedded S3 does not serve byte ranges of an object version: read the whole version.',
      });
    }
    const found = await this.findVersion(target, versionId);
    if ('status' in found) return answer(response, found);
    response.writeHead(200, { ...found.headers, 'accept-ranges': 'bytes', 'x-amz-version-id': versionId });
    if (request.method === 'HEAD') return void response.end();
    await pipeline(createReadStream(path.join(this.keyDirectory(target), versionId)), response);
  }

  private async deleteVersion(response: http.ServerResponse, upstream: Upstream, target: Target, versionId: string): Promise<void> {
    const found = await this.findVersion(target, versionId);
    if ('status' in found) return answer(response, found);
    const kept = await this.readVersions(target);
    if (kept.versions.at(-1)?.versionId === versionId) {
      const current = await upstream.send('HEAD', objectPath(target));
      current.resume();
      if (current.statusCode === 200) {
        return answer(response, {
          status: 501,
          code: 'NotImplemented',
          message: `The embedded S3 cannot delete the current version of s3://${target.bucket}/${target.key}: delete the object (without a version id) first, then its versions.`,
        });
      }
    }
    const versions = kept.versions.filter((version) => version.versionId !== versionId);
    if (versions.length === 0) await rm(this.keyDirectory(target), { recursive: true, force: true });
    else {
      await this.writeVersions(target, { key: target.key, versions });
      await rm(path.join(this.keyDirectory(target), versionId), { force: true });
    }
    response.writeHead(204, { 'x-amz-version-id': versionId });
    response.end();
  }

  private async findVersion(target: Target, versionId: string): Promise<KeptVersion | S3Refusal> {
    if (!VERSION_ID.test(versionId)) return { status: 400, code: 'InvalidArgument', message: 'Invalid version id specified' };
    const version = (await this.readVersions(target)).versions.find((kept) => kept.versionId === versionId);
    return (
      version ?? { status: 404, code: 'NoSuchVersion', message: `The specified version ${versionId} of s3://${target.bucket}/${target.key} does not exist.` }
    );
  }

  private async isVersioned(bucket: string): Promise<boolean> {
    return stat(path.join(this.bucketDirectory(bucket), 'versioning-enabled')).then(
      () => true,
      () => false,
    );
  }

  private async readVersions(target: Target): Promise<KeyVersions> {
    try {
      return JSON.parse(await readFile(path.join(this.keyDirectory(target), 'versions.json'), 'utf8')) as KeyVersions;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { key: target.key, versions: [] };
      throw error;
    }
  }

  private async writeVersions(target: Target, versions: KeyVersions): Promise<void> {
    const file = path.join(this.keyDirectory(target), 'versions.json');
    await writeFile(`${file}.new`, JSON.stringify(versions));
    await rename(`${file}.new`, file);
  }

  /** Runs `work` once the earlier work on the same key has settled. */
  private serialized(target: Target, work: () => Promise<void>): Promise<void> {
    const name = JSON.stringify([target.bucket, target.key]);
    const run = (this.writes.get(name) ?? Promise.resolve()).then(work);
    const tail = run.catch(() => {});
    this.writes.set(name, tail);
    void tail.then(() => {
      if (this.writes.get(name) === tail) this.writes.delete(name);
    });
    return run;
  }

  private bucketDirectory(bucket: string): string {
    return path.join(this.directory, encodeURIComponent(bucket));
  }

  private keyDirectory({ bucket, key }: Target): string {
    return path.join(this.bucketDirectory(bucket), createHash('sha256').update(key).digest('hex'));
  }
}

function parseTarget(url: string): Target | undefined {
  const mark = url.indexOf('?');
  const [bucketSegment = '', ...keySegments] = (mark < 0 ? url : url.slice(0, mark)).replace(/^\//, '').split('/');
  if (bucketSegment === '') return undefined;
  const decode = (segment: string) => decodeURIComponent(segment);
  return { bucket: decode(bucketSegment), key: keySegments.map(decode).join('/'), query: new URLSearchParams(mark < 0 ? '' : url.slice(mark + 1)) };
}

function objectPath({ bucket, key }: Target): string {
  return `/${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/** PutObject and CopyObject (a PUT on the key itself), and CompleteMultipartUpload. */
function isObjectWrite(method: string | undefined, query: URLSearchParams): boolean {
  if (SUBRESOURCES.some((name) => query.has(name))) return false;
  if (method === 'PUT') return !query.has('uploadId');
  return method === 'POST' && query.has('uploadId');
}

/** What is wrong with a PutBucketVersioning body, or undefined when it enables versioning. */
function versioningRefusal(body: string): S3Refusal | undefined {
  const malformed: S3Refusal = {
    status: 400,
    code: 'MalformedXML',
    message: 'The versioning configuration is not well-formed XML with a VersioningConfiguration element.',
  };
  let parsed: { VersioningConfiguration?: { Status?: unknown; MfaDelete?: unknown } | '' };
  try {
    parsed = new XMLParser({ removeNSPrefix: true }).parse(body, true) as typeof parsed;
  } catch {
    return malformed;
  }
  const configuration = parsed.VersioningConfiguration;
  if (configuration === undefined) return malformed;
  const { Status: status, MfaDelete: mfaDelete } = configuration === '' ? {} : configuration;
  if (mfaDelete === 'Enabled') return { status: 501, code: 'NotImplemented', message: 'The embedded S3 has no MFA delete: leave MfaDelete out.' };
  if (status === 'Enabled') return undefined;
  if (status === 'Suspended') {
    return {
      status: 501,
      code: 'NotImplemented',
      message: 'The embedded S3 cannot suspend versioning: once enabled, a bucket keeps its versions until it is deleted.',
    };
  }
  return {
    status: 400,
    code: 'MalformedXML',
    message: `The versioning Status must be Enabled; it is ${status === undefined ? 'missing' : JSON.stringify(status)}.`,
  };
}

/** The body as text; undefined, and left unread, past `MAX_CONFIGURATION_BYTES`. */
async function readSmallBody(body: NodeJS.ReadableStream): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of body) {
    length += (chunk as Buffer).length;
    if (length > MAX_CONFIGURATION_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function respondXml(response: http.ServerResponse, xml: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`;
  response.writeHead(200, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}
