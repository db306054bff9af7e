import { Transform, type TransformCallback } from 'node:stream';

/** A size line or a trailer line longer than this is not aws-chunked framing. */
const MAX_LINE_BYTES = 4096;
const LF = 0x0a;
const CRLF = Buffer.from('\r\n');

type State = 'size' | 'data' | 'data-end' | 'trailer' | 'done';

/** The body is not well-formed aws-chunked framing: the client's fault, not the server's. */
export class AwsChunkedFramingError extends Error {
  override readonly name = 'AwsChunkedFramingError';
}

/** Headers that announce an `aws-chunked` body, signed (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD...`) or not. */
export function isAwsChunked(headers: { 'content-encoding'?: string; 'x-amz-content-sha256'?: string }): boolean {
  const encodings = (headers['content-encoding'] ?? '').split(',').map((encoding) => encoding.trim().toLowerCase());
  return encodings.includes('aws-chunked') || (headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-');
}

/**
 * Turns an `aws-chunked` body back into the object's bytes, one chunk at a time.
 *
 * Framing: `<hex size>[;chunk-signature=...]\r\n<data>\r\n`, repeated, then a zero-size chunk,
 * then optional trailer lines (`x-amz-checksum-crc32:...`) and an empty line. The SDK leaves out
 * the empty line when it sends no trailer. Signatures and trailing checksums are not verified.
 */
export class AwsChunkedDecoder extends Transform {
  private state: State = 'size';
  private line: Buffer[] = [];
  private lineBytes = 0;
  private remaining = 0;
  private crlfIndex = 0;
  private decodedBytes = 0;

  /** @param expectedLength `x-amz-decoded-content-length`, checked at the end when given. */
  constructor(private readonly expectedLength?: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.decode(chunk);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    if (this.state !== 'trailer' && this.state !== 'done') {
      return callback(new AwsChunkedFramingError('aws-chunked body ended inside a chunk'));
    }
    if (this.expectedLength !== undefined && this.decodedBytes !== this.expectedLength) {
      return callback(
        new AwsChunkedFramingError(`aws-chunked body decoded to ${this.decodedBytes} bytes, x-amz-decoded-content-length says ${this.expectedLength}`),
      );
    }
    callback();
  }

  private decode(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      switch (this.state) {
        case 'size':
        case 'trailer': {
          const end = chunk.indexOf(LF, offset);
          if (end === -1) {
            this.appendToLine(chunk.subarray(offset));
            return;
          }
          this.appendToLine(chunk.subarray(offset, end + 1));
          offset = end + 1;
          this.endLine(this.takeLine());
          break;
        }
        case 'data': {
          const data = chunk.subarray(offset, offset + this.remaining);
          this.push(data);
          this.decodedBytes += data.length;
          this.remaining -= data.length;
          offset += data.length;
          if (this.remaining === 0) {
            this.state = 'data-end';
            this.crlfIndex = 0;
          }
          break;
        }
        case 'data-end': {
          if (chunk[offset] !== CRLF[this.crlfIndex]) throw new AwsChunkedFramingError('aws-chunked chunk data is not followed by CRLF');
          offset += 1;
          this.crlfIndex += 1;
          if (this.crlfIndex === CRLF.length) this.state = 'size';
          break;
        }
        case 'done':
          throw new AwsChunkedFramingError('aws-chunked body has data after its last chunk');
      }
    }
  }

  private appendToLine(part: Buffer): void {
    this.lineBytes += part.length;
    if (this.lineBytes > MAX_LINE_BYTES) throw new AwsChunkedFramingError(`aws-chunked line longer than ${MAX_LINE_BYTES} bytes`);
    this.line.push(part);
  }

  /** The line without its CRLF. */
  private takeLine(): string {
    const text = Buffer.concat(this.line).toString('latin1');
    this.line = [];
    this.lineBytes = 0;
    if (!text.endsWith('\r\n')) throw new AwsChunkedFramingError('aws-chunked line does not end with CRLF');
    return text.slice(0, -2);
  }

  private endLine(line: string): void {
    if (this.state === 'trailer') {
      if (line === '') this.state = 'done';
      return;
    }
    const size = line.split(';', 1)[0]?.trim() ?? '';
    if (!/^[0-9a-fA-F]{1,12}$/.test(size)) throw new AwsChunkedFramingError(`aws-chunked chunk size is not hexadecimal: ${JSON.stringify(line)}`);
    this.remaining = Number.parseInt(size, 16);
    this.state = this.remaining === 0 ? 'trailer' : 'data';
  }
}
