declare module 's3rver' {
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

  class S3rver {
    constructor(options?: S3rverOptions);
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
    on(event: 'event', listener: (notification: { Records: S3rverEventRecord[] }) => void): this;
  }
  export default S3rver;
}
