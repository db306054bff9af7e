import { BadInputError } from '../../core/errors';

export interface CodeBuildEnvironmentVariable {
  Name: string;
  Value: string;
  Type: 'PLAINTEXT' | 'SECRETS_MANAGER' | 'PARAMETER_STORE';
}

/** CodePipeline's EnvironmentVariables configuration: a JSON list of {name, value, type}. */
export function parseEnvironmentVariables(text: string): CodeBuildEnvironmentVariable[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BadInputError('EnvironmentVariables must be a JSON list like [{"name":"STAGE","value":"prod","type":"PLAINTEXT"}].');
  }
  if (!Array.isArray(parsed) || !parsed.every((entry) => typeof entry?.name === 'string' && typeof entry?.value === 'string')) {
    throw new BadInputError('EnvironmentVariables must be a JSON list of objects with string "name" and "value".');
  }
  return parsed.map((entry: { name: string; value: string; type?: string }) => ({
    Name: entry.name,
    Value: entry.value,
    Type: entry.type === 'SECRETS_MANAGER' || entry.type === 'PARAMETER_STORE' ? entry.type : 'PLAINTEXT',
  }));
}
