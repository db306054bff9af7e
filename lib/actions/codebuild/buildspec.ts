import { z } from 'zod';
import { BadInputError } from '../../core/errors';
import { BUILDSPEC_TEXT_LIMITS } from '../../core/text-limits';
import { parseYamlWithinLimits } from '../../core/yaml-within-limits';
import { formatPath } from '../../core/validate';

/**
 * The CodeBuild buildspec, versions 0.2 and 0.1, with the reference's own key names. Mappings are
 * strict so that a misspelt phase or key is reported instead of silently doing nothing. Sections
 * that only mean something on AWS (proxy, batch, cache, run-as) are accepted and ignored.
 */

export const PHASE_NAMES = ['install', 'pre_build', 'build', 'post_build'] as const;
export type PhaseName = (typeof PHASE_NAMES)[number];

/** Exported variables are read back through the shell, so their names must be plain shell names. */
const SHELL_VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function mapping<T extends z.ZodRawShape>(what: string, shape: T, keyNoun = 'key') {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.input === undefined) return `${what} is required`;
      if (issue.code !== 'unrecognized_keys') return `${what} must be a mapping with ${allowed}`;
      const keys = issue.keys.map((key) => `"${key}"`).join(', ');
      return `Unknown ${keyNoun}${issue.keys.length === 1 ? '' : 's'} ${keys}; ${keyNoun}s allowed here: ${allowed}`;
    },
  });
}

const isMapping = (input: unknown) => input !== null && typeof input === 'object' && !Array.isArray(input);

function commandList(what: string) {
  const command = z.string({
    error: (issue) =>
      isMapping(issue.input) ? `each entry of ${what} must be a string; quote a command that contains ": "` : `each entry of ${what} must be a string`,
  });
  return z.array(command, { error: (issue) => (issue.input === undefined ? `${what} is required` : `${what} must be a list of strings`) });
}

function pathList(what: string) {
  return z.union([z.string().transform((single) => [single]), z.array(z.string())], {
    error: (issue) => (issue.input === undefined ? `${what} is required` : `${what} must be a path or a list of paths`),
  });
}

function yesNo(what: string) {
  return z.union([z.enum(['yes', 'no']), z.boolean()], { error: `${what} must be yes or no` }).transform((value) => value === true || value === 'yes');
}

const scalarText = (what: string) => z.union([z.string(), z.number(), z.boolean()], { error: `${what} must be a string, number or boolean` }).transform(String);

const version = z
  .union([z.string(), z.number()], {
    error: (issue) => (issue.input === undefined ? 'version is required; write version: 0.2' : 'version must be 0.2'),
  })
  .transform(String)
  .pipe(z.enum(['0.1', '0.2'], { error: (issue) => `version must be 0.2 (or the older 0.1), not ${String(issue.input)}` }));

const onFailure = z
  .string({ error: 'on-failure must be ABORT or CONTINUE' })
  .regex(/^(ABORT|CONTINUE|RETRY(-.+)?)$/, { error: 'on-failure must be ABORT, CONTINUE or a RETRY form' });

const phaseShape = {
  'run-as': z.string({ error: 'run-as must be a user name' }).optional(),
  'on-failure': onFailure.optional(),
  commands: commandList('commands'),
  finally: commandList('finally').optional(),
};

const phases = mapping(
  'phases',
  {
    install: mapping('install', {
      ...phaseShape,
      'runtime-versions': z.record(z.string(), scalarText('a runtime version')).optional(),
    }).optional(),
    pre_build: mapping('pre_build', phaseShape).optional(),
    build: mapping('build', phaseShape).optional(),
    post_build: mapping('post_build', phaseShape).optional(),
  },
  'phase',
);

const env = mapping('env', {
  shell: z.enum(['bash', '/bin/sh'], { error: 'shell must be bash or /bin/sh' }).optional(),
  variables: z.record(z.string(), scalarText('a variable value'), { error: 'variables must be a mapping of names to values' }).optional(),
  'parameter-store': z.record(z.string(), z.string(), { error: 'parameter-store must map names to parameter names' }).optional(),
  'secrets-manager': z.record(z.string(), z.string(), { error: 'secrets-manager must map names to secret references' }).optional(),
  'exported-variables': z
    .array(z.string().regex(SHELL_VARIABLE_NAME, { error: 'an exported variable name may contain only letters, digits and _, and not start with a digit' }), {
      error: 'exported-variables must be a list of variable names',
    })
    .optional(),
  'git-credential-helper': yesNo('git-credential-helper').optional(),
});

const artifactShape = {
  files: pathList('files'),
  name: z.string({ error: 'name must be a string' }).optional(),
  'discard-paths': yesNo('discard-paths').optional(),
  'base-directory': z.string({ error: 'base-directory must be a path' }).optional(),
  'exclude-paths': pathList('exclude-paths').optional(),
  'enable-symlinks': yesNo('enable-symlinks').optional(),
  's3-prefix': z.string({ error: 's3-prefix must be a string' }).optional(),
};

const secondaryArtifact = mapping('a secondary artifact', artifactShape);

const artifacts = mapping('artifacts', {
  ...artifactShape,
  // A buildspec with only secondary artifacts has no primary file list.
  files: artifactShape.files.optional(),
  'secondary-artifacts': z.record(z.string(), secondaryArtifact, { error: 'secondary-artifacts must map identifiers to artifacts' }).optional(),
}).refine((value) => value.files !== undefined || value['secondary-artifacts'] !== undefined, {
  error: 'artifacts needs files, secondary-artifacts, or both',
});

/** The test report formats of the buildspec reference; JUNITXML when a report group names none. */
export const TEST_REPORT_FORMATS = ['JUNITXML', 'CUCUMBERJSON', 'NUNITXML', 'NUNIT3XML', 'TESTNGXML', 'VISUALSTUDIOTRX'] as const;
/** The code coverage formats of the buildspec reference. */
export const COVERAGE_REPORT_FORMATS = ['CLOVERXML', 'COBERTURAXML', 'JACOCOXML', 'SIMPLECOV'] as const;

const reportFormats = [...TEST_REPORT_FORMATS, ...COVERAGE_REPORT_FORMATS];

const reportGroup = mapping('a report group', {
  files: pathList('files'),
  'base-directory': z.string({ error: 'base-directory must be a path' }).optional(),
  'discard-paths': yesNo('discard-paths').optional(),
  'file-format': z.enum(reportFormats, { error: `file-format must be one of ${reportFormats.join(', ')}` }).optional(),
});

export const BuildspecSchema = mapping('A buildspec', {
  version,
  'run-as': z.string({ error: 'run-as must be a user name' }).optional(),
  env: env.optional(),
  proxy: z.unknown().optional(),
  batch: z.unknown().optional(),
  phases,
  reports: z.record(z.string(), reportGroup, { error: 'reports must map report group names or ARNs to report groups' }).optional(),
  artifacts: artifacts.optional(),
  cache: z.unknown().optional(),
});

export type Buildspec = z.output<typeof BuildspecSchema>;
export type BuildPhase = NonNullable<Buildspec['phases'][PhaseName]>;
export type ArtifactFiles = z.output<typeof secondaryArtifact>;
export type BuildspecArtifacts = NonNullable<Buildspec['artifacts']>;
export type ReportGroup = z.output<typeof reportGroup>;

/**
 * Reads a buildspec within BUILDSPEC_TEXT_LIMITS; `source` names it in errors, like "buildspec.yml"
 * or "the BuildSpec configuration".
 */
export function parseBuildspec(text: string, source: string): Buildspec {
  const yaml = parseYamlWithinLimits(text, BUILDSPEC_TEXT_LIMITS, { uniqueKeys: true });
  if (!yaml.ok) throw new BadInputError(`${source} is not valid YAML: ${yaml.errors[0]}. Fix the YAML syntax.`);
  const parsed = BuildspecSchema.safeParse(yaml.value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  - ${formatPath(problemPath(issue)) || '(top level)'}: ${issue.message}`);
    throw new BadInputError(`${source} is not a valid buildspec:\n${problems.join('\n')}`);
  }
  return parsed.data;
}

/** An unknown key is reported at the key itself, so the path points at the typo. */
function problemPath(issue: z.core.$ZodIssue): PropertyKey[] {
  return issue.code === 'unrecognized_keys' && issue.keys.length === 1 ? [...issue.path, ...issue.keys] : issue.path;
}
