import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { SigningCredentials } from '../../api/request-signature';
import { BadInputError } from '../../core/errors';
import { SecretFile } from './secret-file';

/**
 * The installation's own access key pair, in `<dataDir>/credentials.json`, readable by this user
 * only: uploads to the embedded S3 must be signed with it. It is made at random on first use and
 * kept for the life of the data dir.
 */
export async function installationCredentials(dataDir: string): Promise<SigningCredentials> {
  const file = new SecretFile(path.join(dataDir, 'credentials.json'), () => JSON.stringify(newCredentials()));
  const { accessKeyId, secretAccessKey } = JSON.parse(await file.read()) as Partial<SigningCredentials>;
  if (typeof accessKeyId !== 'string' || typeof secretAccessKey !== 'string') {
    throw new BadInputError(`${file.file} does not hold an accessKeyId and a secretAccessKey; remove it, and a new pair is made.`);
  }
  return { accessKeyId, secretAccessKey };
}

/** Shaped like AWS's keys (20 upper-case characters, a 40-character secret), so that every tool takes them;
 * neither needs quoting in a shell. */
function newCredentials(): SigningCredentials {
  const base32 = (bytes: Buffer) => [...bytes].map((byte) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[byte % 32]).join('');
  return {
    accessKeyId: `SLUI${base32(randomBytes(16))}`,
    secretAccessKey: randomBytes(30).toString('base64url'),
  };
}
