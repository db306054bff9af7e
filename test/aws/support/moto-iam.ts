import { REGION } from './moto-clients';

/** IAM and STS in their query protocol: no IAM client is installed, and moto checks no signature of these. */
export async function motoQuery(endpoint: string, service: 'iam' | 'sts', parameters: Record<string, string>): Promise<string> {
  const response = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `AWS4-HMAC-SHA256 Credential=testing/20250101/${REGION}/${service}/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: new URLSearchParams(parameters).toString(),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${service} ${parameters.Action} failed: ${response.status} ${text}`);
  return text;
}

/** The text of the first `<name>` element of a query-protocol answer. */
export const xmlElement = (xml: string, name: string) => new RegExp(`<${name}>([^<]+)</${name}>`).exec(xml)?.[1] ?? '';

/** Assumes a role on moto through STS's query protocol: the session's credentials. */
export async function assumeMotoRole(endpoint: string, roleArn: string, sessionName: string) {
  const assumed = await motoQuery(endpoint, 'sts', { Action: 'AssumeRole', Version: '2011-06-15', RoleArn: roleArn, RoleSessionName: sessionName });
  return {
    accessKeyId: xmlElement(assumed, 'AccessKeyId'),
    secretAccessKey: xmlElement(assumed, 'SecretAccessKey'),
    sessionToken: xmlElement(assumed, 'SessionToken'),
  };
}
