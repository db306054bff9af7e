declare module 's3rver' {
  import type { IncomingMessage, ServerResponse } from 'node:http';
  import type { AddressInfo } from 'node:net';

  interface S3rverOptions {
    address?: string;
    port?: number;
    directory?: string;
    silent?: boolean;
    resetOnClose?: boolean;
    allowMismatchedSignatures?: boolean;
    vhostBuckets?: boolean;
    serviceEndpoint?: string;
    configureBuckets?: { name: string; configs?: (string | Buffer)[] }[];
  }

  /** One record of the S3 notification that s3rver emits after each write or delete. */
  export interface S3rverEventRecord {
    /** `ObjectCreated:Put`, `ObjectCreated:Copy`, `ObjectCreated:Post` (a form POST or a completed multipart upload), `ObjectRemoved:Delete`. */
    eventName: string;
    eventTime: string;
    awsRegion: string;
    responseElements: { 'x-amz-request-id': string };
    s3: {
      bucket: { name: string };
      object: { key: string; size?: number; eTag?: string; sequencer: string };
    };
  }

  /** Where s3rver keeps buckets and objects: files under its directory. */
  interface FilesystemStore {
    getBucketPath(bucket: string): string;
    getResourcePath(bucket: string, key?: string, resource?: string): string;
  }

  class S3rver {
    constructor(options?: S3rverOptions);
    store: FilesystemStore;
    logger: { close(): void };
    /** The Koa app's request handler, for a server of one's own. */
    callback(): (request: IncomingMessage, response: ServerResponse) => void;
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
    on(event: 'event', listener: (notification: { Records: S3rverEventRecord[] }) => void): this;
  }
  export default S3rver;
}

declare module 's3rver/lib/models/error' {
  /** An error that s3rver answers in S3's XML shape, with the status of its code (`InvalidArgument`: 400). */
  export default class S3Error extends Error {
    constructor(code: string, message: string);
  }
}
