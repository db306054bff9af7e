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

/** The UTF-8 length of `text`, counted only when its length in characters leaves a doubt. */
export function exceedsBytes(text: string, maxBytes: number): boolean {
  if (text.length > maxBytes) return true;
  return text.length * 3 > maxBytes && new TextEncoder().encode(text).length > maxBytes;
}

export const sizeError = (limits: TextLimits) => `it is larger than ${limits.maxBytes} bytes, the most Sluice reads; split it or make it smaller`;

export const depthError = (limits: TextLimits) => `it nests deeper than ${limits.maxDepth} levels, the most Sluice reads; flatten it`;

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
