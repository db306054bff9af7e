import { parseBuildspecIsolated } from '../../../../lib/adapters/local/isolated-buildspec';

describe('parseBuildspecIsolated', () => {
  it('parses a buildspec in its worker as parseBuildspec does', async () => {
    const buildspec = await parseBuildspecIsolated('version: 0.2\nphases:\n  build:\n    commands:\n      - make\n', 'buildspec.yml');
    expect(buildspec.phases.build?.commands).toEqual(['make']);
  });

  it('rejects a hostile buildspec with a BadInputError that says what is wrong', async () => {
    await expect(parseBuildspecIsolated('['.repeat(20_000), 'buildspec.yml')).rejects.toThrow(
      expect.objectContaining({ name: 'Sluice.BadInput', message: expect.stringMatching(/^buildspec\.yml is not valid YAML: it nests deeper than 64 levels/) }),
    );
    await expect(parseBuildspecIsolated('version: 0.2\n', 'buildspec.yml')).rejects.toThrow(/phases is required/);
  });

  it('gives each parse its own answer, at once and one after another after a refusal', async () => {
    const buildspecOf = (command: string) => `version: 0.2\nphases:\n  build:\n    commands:\n      - ${command}\n`;
    const commands = ['make one', 'make two', 'make three', 'make four'];
    const parsed = await Promise.all(commands.map((command) => parseBuildspecIsolated(buildspecOf(command), `${command}.yml`)));
    expect(parsed.map((buildspec) => buildspec.phases.build?.commands)).toEqual(commands.map((command) => [command]));

    await expect(parseBuildspecIsolated('version: 0.2\n', 'buildspec.yml')).rejects.toThrow(/phases is required/);
    const [again, other] = await Promise.all([
      parseBuildspecIsolated(buildspecOf('make again'), 'a.yml'),
      parseBuildspecIsolated(buildspecOf('make other'), 'b.yml'),
    ]);
    expect(again.phases.build?.commands).toEqual(['make again']);
    expect(other.phases.build?.commands).toEqual(['make other']);
  });
});
