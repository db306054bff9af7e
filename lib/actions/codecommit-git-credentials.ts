import { createHash, createHmac } from 'node:crypto';
import type { AwsCredentials } from '../ports/codecommit-access';

/** HTTP Basic credentials for a git client. */
export interface GitCredentials {
  username: string;
  password: string;
}

const SERVICE = 'codecommit';

const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/** `20171224T115320`: SigV4's request time, to the second, in UTC. */
const sigV4Time = (time: Date) =>
  time
    .toISOString()
    .replace(/[-:]|\.\d{3}/g, '')
    .replace(/Z$/, '');

/**
 * The credentials that CodeCommit's git endpoint takes from an IAM identity, made as AWS's own
 * git-remote-codecommit helper makes them: the username is the access key id, with `%` and the
 * session token when the credentials are temporary; the password is `<time>Z<signature>`, where
 * the signature is SigV4 over a pseudo-request `GIT <path>` that signs only the host.
 *
 * The SDK's signers sign real HTTP requests, whose canonical form always ends with a payload hash,
 * and no package signs this one, so it is signed here with node:crypto.
 */
export function codeCommitGitCredentials(repositoryUrl: string, region: string, credentials: AwsCredentials, now: Date): GitCredentials {
  const { host, pathname } = new URL(repositoryUrl);
  const time = sigV4Time(now);
  const date = time.slice(0, 8);
  const canonicalRequest = `GIT\n${pathname}\n\nhost:${host}\n\nhost\n`;
  const scope = `${date}/${region}/${SERVICE}/aws4_request`;
  const stringToSign = `AWS4-HMAC-SHA256\n${time}\n${scope}\n${createHash('sha256').update(canonicalRequest, 'utf8').digest('hex')}`;
  const signingKey = [region, SERVICE, 'aws4_request'].reduce<Buffer>((key, part) => hmac(key, part), hmac(`AWS4${credentials.secretAccessKey}`, date));
  return {
    username: credentials.sessionToken ? `${credentials.accessKeyId}%${credentials.sessionToken}` : credentials.accessKeyId,
    password: `${time}Z${hmac(signingKey, stringToSign).toString('hex')}`,
  };
}
