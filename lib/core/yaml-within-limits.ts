import { Lexer, LineCounter, Parser, parseDocument, type CST, type Tags } from 'yaml';
import { depthError, exceedsBytes, sizeError, type LimitedParse, type TextLimits } from './text-limits';

// Apart from text-limits.ts, so that what parses only JSON (the API's request bodies) does not load yaml.

export interface YamlParseOptions {
  /** Report a key given twice in one mapping. */
  uniqueKeys?: boolean;
  /** Tags beyond YAML's own, such as CloudFormation's `!Ref`. */
  customTags?: Tags;
}

const itemsError = (limits: TextLimits) => `a mapping or list has more than ${limits.maxCollectionItems} entries, the most Sluice reads,`;

/** Syntax errors past this many are not reported: each costs time, and the first ones say enough. */
const MAX_REPORTED_ERRORS = 10;

type Scan = { ok: true } | { ok: false; error: string; offset?: number };

/**
 * Runs yaml's Lexer and Parser, which never recurse, and stops at the first level past `maxDepth`
 * or the first syntax error. yaml's composer is run only on a text that passes: given a million
 * syntax errors it reports each with its context, which takes minutes and gigabytes.
 */
function scanYaml(text: string, limits: TextLimits): Scan {
  const parser = new Parser();
  const check = (token: CST.Token): Scan => {
    const problem = firstProblemToken(token, limits.maxCollectionItems);
    if (problem === undefined) return { ok: true };
    return problem.type === 'error'
      ? { ok: false, error: problem.message, offset: problem.offset }
      : { ok: false, error: itemsError(limits), offset: problem.offset };
  };
  for (const lexeme of new Lexer().lex(text)) {
    for (const token of parser.next(lexeme)) {
      const scan = check(token);
      if (!scan.ok) return scan;
    }
    if (parser.stack.length > limits.maxDepth) return { ok: false, error: depthError(limits) };
  }
  for (const token of parser.end()) {
    const scan = check(token);
    if (!scan.ok) return scan;
  }
  return { ok: true };
}

/**
 * The first error token in a CST token, or the first collection with too many items. Its depth is
 * bounded by the scan, so recursion is safe.
 */
function firstProblemToken(token: unknown, maxItems: number): CST.ErrorToken | CST.BlockMap | CST.BlockSequence | CST.FlowCollection | undefined {
  if (token === null || typeof token !== 'object') return undefined;
  const { type, items } = token as { type?: unknown; items?: unknown };
  if (type === 'error') return token as CST.ErrorToken;
  if (Array.isArray(items) && items.length > maxItems) return token as CST.BlockMap | CST.BlockSequence | CST.FlowCollection;
  for (const value of Object.values(token)) {
    const found = firstProblemToken(value, maxItems);
    if (found) return found;
  }
  return undefined;
}

const atPosition = (lineCounter: LineCounter, offset: number | undefined) => {
  if (offset === undefined) return '';
  const { line, col } = lineCounter.linePos(offset);
  return ` at line ${line}, column ${col}`;
};

/**
 * Parses one YAML (or JSON, which YAML includes) document within `limits`. Each error is one line:
 * yaml's syntax errors with their line and column, or the limit that the text passes.
 *
 * @example
 * const parsed = parseYamlWithinLimits(text, BUILDSPEC_TEXT_LIMITS, { uniqueKeys: true });
 * if (!parsed.ok) throw new BadInputError(`buildspec.yml: ${parsed.errors[0]}`);
 */
export function parseYamlWithinLimits(text: string, limits: TextLimits, options: YamlParseOptions = {}): LimitedParse {
  if (exceedsBytes(text, limits.maxBytes)) return { ok: false, errors: [sizeError(limits)] };
  const lineCounter = new LineCounter();
  const scan = scanYaml(text, limits);
  if (!scan.ok) {
    if (scan.offset === undefined) return { ok: false, errors: [scan.error] };
    lineCounter.addNewLine(0);
    for (let offset = text.indexOf('\n'); offset !== -1; offset = text.indexOf('\n', offset + 1)) lineCounter.addNewLine(offset + 1);
    return { ok: false, errors: [`${scan.error}${atPosition(lineCounter, scan.offset)}`] };
  }
  const document = parseDocument(text, { prettyErrors: false, lineCounter, uniqueKeys: options.uniqueKeys ?? false, customTags: options.customTags });
  if (document.errors.length > 0) {
    return { ok: false, errors: document.errors.slice(0, MAX_REPORTED_ERRORS).map((error) => `${error.message}${atPosition(lineCounter, error.pos[0])}`) };
  }
  try {
    return { ok: true, value: document.toJS({ maxAliasCount: limits.maxAliasCount }) };
  } catch (error) {
    // yaml throws a ReferenceError when aliases expand past maxAliasCount.
    if (!(error instanceof ReferenceError)) throw error;
    return {
      ok: false,
      errors: [`its aliases expand to more than ${limits.maxAliasCount} nodes (${error.message}); write the values out instead of aliasing them`],
    };
  }
}
