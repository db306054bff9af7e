import { ENDPOINT_VARIABLES, type EndpointService } from '../../core/endpoints';
import type { BuildSecrets } from '../../ports/build-secrets';

/** A build variable whose value is read when the build starts: its name, where from, and what to read. */
export interface SecretVariable {
  name: string;
  source: 'PARAMETER_STORE' | 'SECRETS_MANAGER';
  /** A parameter name; or `secret-id:json-key:version-stage:version-id`, as CodeBuild documents it. */
  reference: string;
}

const SOURCES = {
  PARAMETER_STORE: { label: 'Parameter Store', service: 'ssm', port: 'parameterStore' },
  SECRETS_MANAGER: { label: 'Secrets Manager', service: 'secretsmanager', port: 'secretsManager' },
} as const;

/** The service that a variable of `source` is read from. */
export const secretService = (source: SecretVariable['source']): EndpointService => SOURCES[source].service;

/** What is needed before `variables` can be read, when some come from a source that `reachable` denies; undefined when none do. */
export function unreachableSecrets(
  variables: readonly { name: string; source: SecretVariable['source'] }[],
  reachable: (source: SecretVariable['source']) => boolean,
): string | undefined {
  const source = variables.find((variable) => !reachable(variable.source))?.source;
  if (source === undefined) return undefined;
  const names = variables.filter((variable) => variable.source === source).map((variable) => variable.name);
  const { label, service } = SOURCES[source];
  return `${names.join(', ')} come${names.length === 1 ? 's' : ''} from ${label}, which a local build reads only through an endpoint: set ${ENDPOINT_VARIABLES[service]} or AWS_ENDPOINT_URL (to moto_server or LocalStack, say), or give the value as a PLAINTEXT variable`;
}

/** The variables of the buildspec's env.parameter-store and env.secrets-manager. */
export function buildspecSecretVariables(
  env: { 'parameter-store'?: Record<string, string>; 'secrets-manager'?: Record<string, string> } | undefined,
): SecretVariable[] {
  return [
    ...Object.entries(env?.['parameter-store'] ?? {}).map(([name, reference]) => ({ name, source: 'PARAMETER_STORE' as const, reference })),
    ...Object.entries(env?.['secrets-manager'] ?? {}).map(([name, reference]) => ({ name, source: 'SECRETS_MANAGER' as const, reference })),
  ];
}

export interface SecretReference {
  secretId: string;
  jsonKey?: string;
  versionStage?: string;
  versionId?: string;
}

/** The fields of a secret's ARN, `arn:aws:secretsmanager:<region>:<account>:secret:<name>`, which hold colons of their own. */
const ARN_FIELDS = 7;

/** `secret-id:json-key:version-stage:version-id`, where every part after the secret's name or ARN may be left empty or out. */
export function parseSecretReference(reference: string): SecretReference {
  const parts = reference.split(':');
  const idLength = reference.startsWith('arn:') ? ARN_FIELDS : 1;
  const [jsonKey, versionStage, versionId] = parts.slice(idLength);
  return {
    secretId: parts.slice(0, idLength).join(':'),
    ...(jsonKey ? { jsonKey } : {}),
    ...(versionStage ? { versionStage } : {}),
    ...(versionId ? { versionId } : {}),
  };
}

/**
 * Reads each variable's value, as CodeBuild does when a build starts. Throws an Error that names
 * the variable when its service cannot be reached or has no such parameter, secret or key.
 */
export async function resolveSecretVariables(variables: readonly SecretVariable[], secrets: BuildSecrets): Promise<Record<string, string>> {
  const unreachable = unreachableSecrets(variables, (source) => secrets[SOURCES[source].port] !== undefined);
  if (unreachable) throw new Error(unreachable);
  const values: Record<string, string> = {};
  for (const variable of variables) {
    try {
      values[variable.name] = await valueOf(variable, secrets);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`${variable.name} could not be read from ${SOURCES[variable.source].label} (${variable.reference}): ${reason}`, { cause: error });
    }
  }
  return values;
}

async function valueOf(variable: SecretVariable, secrets: BuildSecrets): Promise<string> {
  if (variable.source === 'PARAMETER_STORE') return secrets.parameterStore!.parameter(variable.reference);
  const { secretId, jsonKey, versionStage, versionId } = parseSecretReference(variable.reference);
  const text = await secrets.secretsManager!.secret(secretId, { versionStage, versionId });
  if (jsonKey === undefined) return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`the secret is not JSON, so it has no key ${jsonKey}`);
  }
  const value = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>)[jsonKey] : undefined;
  if (value === undefined) throw new Error(`the secret has no key ${jsonKey}`);
  return typeof value === 'string' ? value : JSON.stringify(value);
}
