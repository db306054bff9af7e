import { BadInputError } from '../../core/errors';

export interface CodeBuildEnvironmentVariable {
  Name: string;
  Value: string;
  Type: 'PLAINTEXT' | 'SECRETS_MANAGER' | 'PARAMETER_STORE';
}

/** CodeBuild keeps this prefix for its own variables and refuses overrides that use it. */
const RESERVED_PREFIX = 'CODEBUILD_';

/** CodePipeline's EnvironmentVariables configuration: a JSON list of {name, value, type}. */
export function parseEnvironmentVariables(text: string): CodeBuildEnvironmentVariable[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BadInputError('EnvironmentVariables must be a JSON list like [{"name":"STAGE","value":"prod","type":"PLAINTEXT"}].');
  }
  if (!Array.isArray(parsed) || !parsed.every((entry) => typeof entry?.name === 'string' && entry.name !== '' && typeof entry?.value === 'string')) {
    throw new BadInputError('EnvironmentVariables must be a JSON list of objects with a non-empty string "name" and a string "value".');
  }
  const reserved = parsed.filter((entry: { name: string }) => entry.name.startsWith(RESERVED_PREFIX)).map((entry: { name: string }) => entry.name);
  if (reserved.length > 0) {
    throw new BadInputError(
      `EnvironmentVariables ${reserved.join(', ')}: names that start with ${RESERVED_PREFIX} are CodeBuild's own, and StartBuild refuses them. Rename them.`,
    );
  }
  return parsed.map((entry: { name: string; value: string; type?: string }) => ({
    Name: entry.name,
    Value: entry.value,
    Type: entry.type === 'SECRETS_MANAGER' || entry.type === 'PARAMETER_STORE' ? entry.type : 'PLAINTEXT',
  }));
}
