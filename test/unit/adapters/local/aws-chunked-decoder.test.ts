import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { AwsChunkedDecoder, isAwsChunked } from '../../../../lib/adapters/local/aws-chunked-decoder';

/** Feeds `framing` to the decoder in pieces of `pieceSize` bytes, so that lines and CRLFs split. */
function decode(framing: string | Buffer, pieceSize: number, expectedLength?: number): Promise<Buffer> {
  const bytes = Buffer.from(framing);
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += pieceSize) pieces.push(bytes.subarray(offset, offset + pieceSize));
  return buffer(Readable.from(pieces).pipe(new AwsChunkedDecoder(expectedLength)));
}

const signature = 'chunk-signature=' + 'a'.repeat(64);

describe('AwsChunkedDecoder', () => {
  it.each([1, 2, 3, 7, 1000])('decodes signed chunks fed %i bytes at a time', async (pieceSize) => {
    const framing = `5;${signature}\r\nhello\r\n7;${signature}\r\n, world\r\n0;${signature}\r\n\r\n`;

    expect((await decode(framing, pieceSize, 12)).toString()).toBe('hello, world');
  });

  it.each([1, 4, 1000])('decodes unsigned chunks with a trailing checksum fed %i bytes at a time', async (pieceSize) => {
    const framing = 'a\r\n0123456789\r\n3\r\nabc\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n';

    expect((await decode(framing, pieceSize, 13)).toString()).toBe('0123456789abc');
  });

  it('accepts the body that the SDK ends right after the last chunk', async () => {
    expect((await decode('3\r\n\r\n\n\r\n0\r\n', 2)).toString()).toBe('\r\n\n');
  });

  it('passes binary data through untouched', async () => {
    const data = Buffer.from(Array.from({ length: 256 }, (_, index) => index));
    const framing = Buffer.concat([Buffer.from('100\r\n'), data, Buffer.from('\r\n0\r\n\r\n')]);

    expect((await decode(framing, 5)).equals(data)).toBe(true);
  });

  it.each([
    ['a size that is not hexadecimal', 'zz\r\nab\r\n0\r\n\r\n', undefined, 'not hexadecimal'],
    ['data without its CRLF', '2\r\nabX\r\n0\r\n\r\n', undefined, 'not followed by CRLF'],
    ['a body that stops inside a chunk', '5\r\nab', undefined, 'ended inside a chunk'],
    ['data after the last chunk', '1\r\na\r\n0\r\n\r\nmore', undefined, 'after its last chunk'],
    ['a length other than the decoded length', '1\r\na\r\n0\r\n\r\n', 2, 'decoded to 1 bytes'],
  ])('refuses %s', async (_, framing, expectedLength, message) => {
    await expect(decode(framing, 3, expectedLength)).rejects.toThrow(message);
  });
});

describe('isAwsChunked', () => {
  it('recognizes the encoding or a streaming payload hash', () => {
    expect(isAwsChunked({ 'content-encoding': 'gzip, aws-chunked' })).toBe(true);
    expect(isAwsChunked({ 'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' })).toBe(true);
    expect(isAwsChunked({ 'content-encoding': 'gzip', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' })).toBe(false);
    expect(isAwsChunked({})).toBe(false);
  });
});
