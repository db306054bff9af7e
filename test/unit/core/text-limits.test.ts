import { parseBuildspec } from '../../../lib/actions/codebuild/buildspec';
import { parseDeclarationText } from '../../../lib/core/declaration-text';
import { DECLARATION_TEXT_LIMITS, parseJsonWithinLimits } from '../../../lib/core/text-limits';
import { parseYamlWithinLimits } from '../../../lib/core/yaml-within-limits';

const aliasBomb = [
  'a: &a ["x","x","x","x","x","x","x","x","x"]',
  ...'bcdefgh'.split('').map((name, index) => `${name}: &${name} [${Array(9).fill(`*${'abcdefgh'[index]}`).join(',')}]`),
].join('\n');

const bombs: [string, string, RegExp][] = [
  ['nested flow sequences', '['.repeat(20_000), /nests deeper than 64 levels/],
  ['nested block sequences', `${'- '.repeat(5_000)}x`, /nests deeper than 64 levels/],
  ['an alias bomb', aliasBomb, /aliases expand to more than 100 nodes/],
  ['an oversized text', `a: ${'x'.repeat(DECLARATION_TEXT_LIMITS.maxBytes)}`, /larger than 262144 bytes/],
  ['a mapping with too many keys', Array.from({ length: 1_001 }, (_, index) => `k${index}: v`).join('\n'), /more than 1000 entries/],
  ['a million stray brackets', ']'.repeat(1_000_000), /larger than/],
  ['many stray brackets', ']'.repeat(200_000), /Unexpected flow-seq-end token .* at line 1, column 1/],
];

describe('YAML within limits', () => {
  it.each(bombs)('refuses %s in a declaration with a clear problem', (_, text, message) => {
    const parsed = parseDeclarationText(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problems[0]!.message).toMatch(message);
  });

  it.each(bombs)('refuses %s in a buildspec with a BadInputError', (_, text, message) => {
    expect(() => parseBuildspec(text, 'buildspec.yml')).toThrow(message);
  });

  it('reads text that stays inside every limit, aliases included', () => {
    const parsed = parseYamlWithinLimits('base: &base [1, 2]\nuse: *base\nnested: [[[[1]]]]\n', DECLARATION_TEXT_LIMITS);
    expect(parsed).toEqual({ ok: true, value: { base: [1, 2], use: [1, 2], nested: [[[[1]]]] } });
  });

  it('names the line and column of a syntax error', () => {
    expect(parseYamlWithinLimits('a: 1\nb: [\n', DECLARATION_TEXT_LIMITS)).toEqual({ ok: false, errors: [expect.stringMatching(/at line \d+, column \d+$/)] });
  });
});

describe('JSON within limits', () => {
  it('refuses deep nesting before JSON.parse, ignoring brackets inside strings', () => {
    expect(parseJsonWithinLimits(`${'['.repeat(65)}${']'.repeat(65)}`, DECLARATION_TEXT_LIMITS)).toEqual({
      ok: false,
      errors: [expect.stringMatching(/nests deeper than 64/)],
    });
    expect(parseJsonWithinLimits(JSON.stringify({ text: '['.repeat(1000) }), DECLARATION_TEXT_LIMITS)).toEqual({ ok: true, value: { text: '['.repeat(1000) } });
  });

  it('refuses an oversized body and reports bad JSON', () => {
    expect(parseJsonWithinLimits(JSON.stringify('x'.repeat(DECLARATION_TEXT_LIMITS.maxBytes)), DECLARATION_TEXT_LIMITS).ok).toBe(false);
    expect(parseJsonWithinLimits('{"a":', DECLARATION_TEXT_LIMITS)).toEqual({ ok: false, errors: [expect.stringMatching(/^it is not JSON/)] });
  });
});
