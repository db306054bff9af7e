import { parseBuildspec } from '../../../../lib/actions/codebuild/buildspec';
import { BadInputError } from '../../../../lib/core/errors';

function problemsOf(text: string, source = 'buildspec.yml'): string {
  try {
    parseBuildspec(text, source);
  } catch (error) {
    expect(error).toBeInstanceOf(BadInputError);
    return (error as BadInputError).message;
  }
  throw new Error('expected the buildspec to be refused');
}

describe('parseBuildspec', () => {
  it('reads a full buildspec, coercing scalar variable values to strings', () => {
    const buildspec = parseBuildspec(
      [
        'version: 0.2',
        'run-as: root',
        'env:',
        '  shell: bash',
        '  variables: { PORT: 8080, DEBUG: true, NAME: web }',
        '  exported-variables: [IMAGE_TAG]',
        'phases:',
        '  install:',
        '    runtime-versions: { nodejs: 22 }',
        '    commands: [npm ci]',
        '  build:',
        '    on-failure: CONTINUE',
        '    commands: [npm test]',
        '    finally: [echo done]',
        'artifacts:',
        "  files: '**/*'",
        '  base-directory: dist',
        '  discard-paths: yes',
        '  secondary-artifacts:',
        '    Docs: { files: [docs/**/*], exclude-paths: [docs/drafts/*] }',
        'cache: { paths: [node_modules/**/*] }',
      ].join('\n'),
      'buildspec.yml',
    );
    expect(buildspec.version).toBe('0.2');
    expect(buildspec.env?.variables).toEqual({ PORT: '8080', DEBUG: 'true', NAME: 'web' });
    expect(buildspec.phases.build).toEqual({ 'on-failure': 'CONTINUE', commands: ['npm test'], finally: ['echo done'] });
    expect(buildspec.artifacts).toMatchObject({
      files: ['**/*'],
      'base-directory': 'dist',
      'discard-paths': true,
      'secondary-artifacts': { Docs: { files: ['docs/**/*'], 'exclude-paths': ['docs/drafts/*'] } },
    });
  });

  it('accepts version 0.1 and a quoted version', () => {
    expect(parseBuildspec('version: 0.1\nphases: { build: { commands: [make] } }', 'b.yml').version).toBe('0.1');
    expect(parseBuildspec('version: "0.2"\nphases: { build: { commands: [make] } }', 'b.yml').version).toBe('0.2');
  });

  it('refuses other versions, naming the source', () => {
    const message = problemsOf('version: 0.3\nphases: { build: { commands: [make] } }', 'config/buildspec-release.yml');
    expect(message).toContain('config/buildspec-release.yml is not a valid buildspec');
    expect(message).toContain('version: version must be 0.2 (or the older 0.1), not 0.3');
    expect(problemsOf('phases: { build: { commands: [make] } }')).toContain('version: version is required; write version: 0.2');
  });

  it('reports every problem at once, each with its path', () => {
    const message = problemsOf(
      [
        'version: 0.2',
        'env: { variables: { LIST: [1, 2] }, exported-variables: [1ST] }',
        'phases: { build: { commands: [make], runtime-versions: { nodejs: 22 }, on-failure: IGNORE } }',
        'artifacts: { discard-paths: maybe }',
      ].join('\n'),
    );
    expect(message.split('\n').slice(1)).toEqual(
      expect.arrayContaining([
        '  - env.variables.LIST: a variable value must be a string, number or boolean',
        expect.stringMatching(/^ {2}- env\.exported-variables\[0\]: an exported variable name may contain only/),
        expect.stringMatching(/^ {2}- phases\.build\.runtime-versions: Unknown key "runtime-versions"/),
        '  - phases.build.on-failure: on-failure must be ABORT, CONTINUE or a RETRY form',
        '  - artifacts.discard-paths: discard-paths must be yes or no',
      ]),
    );
  });

  it('reads enable-symlinks on the primary and secondary artifacts, and refuses a value that is not yes or no', () => {
    const buildspec = parseBuildspec(
      "version: 0.2\nphases: { build: { commands: [make] } }\nartifacts: { files: '**/*', enable-symlinks: yes, secondary-artifacts: { Docs: { files: [docs/*], enable-symlinks: no } } }",
      'b.yml',
    );
    expect(buildspec.artifacts?.['enable-symlinks']).toBe(true);
    expect(buildspec.artifacts?.['secondary-artifacts']?.Docs?.['enable-symlinks']).toBe(false);
    expect(problemsOf("version: 0.2\nphases: { build: { commands: [make] } }\nartifacts: { files: '**/*', enable-symlinks: always }")).toContain(
      'artifacts.enable-symlinks: enable-symlinks must be yes or no',
    );
  });

  it.each([
    [
      'names an unknown phase and the phases that exist',
      'version: 0.2\nphases: { biuld: { commands: [make] } }',
      'phases.biuld: Unknown phase "biuld"; phases allowed here: install, pre_build, build, post_build',
    ],
    [
      'refuses commands that are not a list',
      'version: 0.2\nphases: { build: { commands: make } }',
      'phases.build.commands: commands must be a list of strings',
    ],
    [
      'refuses a command that YAML reads as a map',
      'version: 0.2\nphases:\n  build:\n    commands:\n      - echo key: value',
      'phases.build.commands[0]: each entry of commands must be a string; quote a command that contains ": "',
    ],
    [
      'needs artifact files somewhere',
      'version: 0.2\nphases: { build: { commands: [make] } }\nartifacts: { base-directory: dist }',
      '  - artifacts: artifacts needs files, secondary-artifacts, or both',
    ],
    [
      'needs the files of each secondary artifact',
      'version: 0.2\nphases: { build: { commands: [make] } }\nartifacts: { secondary-artifacts: { A: { name: a } } }',
      '  - artifacts.secondary-artifacts.A.files: files is required',
    ],
  ])('%s', (_, text, problem) => {
    expect(problemsOf(text)).toContain(problem);
  });

  it('reports YAML syntax errors', () => {
    expect(problemsOf('version: 0.2\nphases: [', 'inline BuildSpec')).toMatch(/^inline BuildSpec is not valid YAML: .+\. Fix the YAML syntax\.$/);
  });
});
