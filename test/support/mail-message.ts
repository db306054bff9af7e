/** A single-part text mail as it travels: its headers (names in lower case) and its decoded text. */
export interface RawMail {
  headers: Map<string, string>;
  text: string;
}

/**
 * Reads an RFC 5322 message far enough for tests to check what it says. Sluice's mails are single
 * text parts, so only the three transfer encodings of such a part are decoded.
 */
export function readRawMail(raw: Buffer | string): RawMail {
  const message = raw.toString('utf8');
  const split = message.indexOf('\r\n\r\n');
  if (split < 0) throw new Error('the message has no blank line between its headers and its body');
  const headers = new Map<string, string>();
  for (const line of message
    .slice(0, split)
    .replace(/\r\n[ \t]+/g, ' ')
    .split('\r\n')) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  if (!headers.get('content-type')?.startsWith('text/plain')) throw new Error(`expected a text/plain mail, not ${headers.get('content-type')}`);
  const body = message.slice(split + 4);
  const encoding = headers.get('content-transfer-encoding') ?? '7bit';
  const bytes =
    encoding === 'base64'
      ? Buffer.from(body, 'base64')
      : encoding === 'quoted-printable'
        ? Buffer.from(
            body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
            'latin1',
          )
        : Buffer.from(body, 'utf8');
  return { headers, text: bytes.toString('utf8').replace(/\r\n/g, '\n') };
}
