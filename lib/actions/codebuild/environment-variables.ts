import { BadInputError } from '../../core/errors';

const TYPES = ['PLAINTEXT', 'PARAMETER_STORE', 'SECRETS_MANAGER'] as const;

export interface CodeBuildEnvironmentVariable {
  Name: string;
  Value: string;
  Type: (typeof TYPES)[number];
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
  const unknownTypes = parsed.filter((entry: { type?: unknown }) => entry.type !== undefined && !(TYPES as readonly unknown[]).includes(entry.type));
  if (unknownTypes.length > 0) {
    const names = unknownTypes.map((entry: { name: string }) => entry.name).join(', ');
    throw new BadInputError(`EnvironmentVariables ${names}: "type" must be ${TYPES.join(', ')} (PLAINTEXT when left out).`);
  }
  return parsed.map((entry: { name: string; value: string; type?: CodeBuildEnvironmentVariable['Type'] }) => ({
    Name: entry.name,
    Value: entry.value,
    Type: entry.type ?? 'PLAINTEXT',
  }));
}
