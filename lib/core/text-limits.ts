import { Lexer, LineCounter, Parser, parseDocument, type CST, type Tags } from 'yaml';

/**
 * Bounds on a YAML or JSON text, checked before it becomes values. yaml's composer and the code
 * that walks parsed values recurse once per level of nesting, so a deep enough text overflows the
 * stack, and a stack overflow inside yaml has been seen to leave V8 unable to compile the next
 * regular expression: the process dies. Other texts cost time rather than stack: the composer
 * formats every one of a million syntax errors, and checks a mapping's keys for duplicates
 * pairwise. So the text is first read by yaml's Lexer and Parser, which keep their own stack and
 * never recurse, and refused at the first level too deep, the first syntax error or the first
 * collection too large, before any composer runs; aliases are bounded as they are expanded.
 */
export interface TextLimits {
  /** The most UTF-8 bytes the text may hold. */
  maxBytes: number;
  /** The most levels that collections may nest, counting the document itself. */
  maxDepth: number;
  /** yaml's `maxAliasCount`: how many nodes the aliases of the text may expand to. */
  maxAliasCount: number;
  /** The most entries in one mapping or list: yaml checks unique keys pairwise, in quadratic time. */
  maxCollectionItems: number;
}

/**
 * Declarations: 256 KiB is five times CloudFormation's largest inline template (51,200 bytes),
 * where pipelines are often declared, and tens of times the size of a real declaration; at that
 * size the worst text parses in about two seconds. The deepest field of a declaration
 * (`stages[].beforeEntry.conditions[].rules[].configuration`) is 8 levels down, and its longest
 * list has 100 items (artifacts); 64 levels and 1,000 items leave room for any formatting. yaml's
 * own default alias count is kept.
 */
export const DECLARATION_TEXT_LIMITS: TextLimits = { maxBytes: 256 * 1024, maxDepth: 64, maxAliasCount: 100, maxCollectionItems: 1000 };

/**
 * Buildspecs: lists of commands, a few levels deep (`batch` build graphs are the deepest, at about
 * 6). The same bounds as declarations are generous for them too.
 */
export const BUILDSPEC_TEXT_LIMITS: TextLimits = DECLARATION_TEXT_LIMITS;

/** JSON bodies of API requests: declarations, variables, approval results. */
export const REQUEST_BODY_LIMITS: TextLimits = DECLARATION_TEXT_LIMITS;

export type LimitedParse = { ok: true; value: unknown } | { ok: false; errors: string[] };

export interface YamlParseOptions {
  /** Report a key given twice in one mapping. */
  uniqueKeys?: boolean;
  /** Tags beyond YAML's own, such as CloudFormation's `!Ref`. */
  customTags?: Tags;
}

/** The UTF-8 length of `text`, counted only when its length in characters leaves a doubt. */
function exceedsBytes(text: string, maxBytes: number): boolean {
  if (text.length > maxBytes) return true;
  return text.length * 3 > maxBytes && new TextEncoder().encode(text).length > maxBytes;
}

const sizeError = (limits: TextLimits) => `it is larger than ${limits.maxBytes} bytes, the most Sluice reads; split it or make it smaller`;

const itemsError = (limits: TextLimits) => `a mapping or list has more than ${limits.maxCollectionItems} entries, the most Sluice reads,`;

const depthError = (limits: TextLimits) => `it nests deeper than ${limits.maxDepth} levels, the most Sluice reads; flatten it`;

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

/** How deep the brackets of a JSON text nest, ignoring those inside strings; stops past `maxDepth`. */
function jsonNestsTooDeep(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const character = text[index];
    if (inString) {
      if (character === '\\') index++;
      else if (character === '"') inString = false;
    } else if (character === '"') inString = true;
    else if (character === '[' || character === '{') {
      if (++depth > maxDepth) return true;
    } else if (character === ']' || character === '}') depth--;
  }
  return false;
}

/**
 * Parses a JSON text within `limits`. JSON.parse itself does not recurse, but whatever walks the
 * value afterwards (a schema, JSON.stringify, a structured clone) does.
 */
export function parseJsonWithinLimits(text: string, limits: TextLimits): LimitedParse {
  if (exceedsBytes(text, limits.maxBytes)) return { ok: false, errors: [sizeError(limits)] };
  if (jsonNestsTooDeep(text, limits.maxDepth)) return { ok: false, errors: [depthError(limits)] };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, errors: [`it is not JSON: ${(error as Error).message}`] };
  }
}
