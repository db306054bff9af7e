import { z } from 'zod';
import { BadInputError } from './errors';
import { formatPath } from './validate';

/**
 * EventBridge event patterns, matched as EventBridge matches them (the user guide's "Event
 * patterns" chapter, and aws/event-ruler, the library behind it): every field a pattern names must
 * match, any one of the values listed for a field may match, and an array in the event matches when
 * one of its elements does. Matching is pure, so the local bus and the tests share it.
 */

export type MatchLiteral = string | number | boolean | null;

interface IgnoringCase {
  'equals-ignore-case': string;
}

export type AnythingBut =
  | string
  | number
  | string[]
  | number[]
  | { prefix: string }
  | { suffix: string }
  | { 'equals-ignore-case': string | string[] }
  | { wildcard: string | string[] };

export type NumericOperator = '<' | '<=' | '=' | '>=' | '>';

export type NumericRange = [NumericOperator, number] | [NumericOperator, number, NumericOperator, number];

export type Matcher =
  | MatchLiteral
  | { prefix: string | IgnoringCase }
  | { suffix: string | IgnoringCase }
  | { 'equals-ignore-case': string }
  | { wildcard: string }
  | { 'anything-but': AnythingBut }
  | { numeric: NumericRange }
  | { exists: boolean };

/** Each field holds the values it may match, or a nested pattern; `$or` holds alternative patterns. */
export interface EventPattern {
  [field: string]: Matcher[] | EventPattern | EventPattern[];
}

export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  return matchesObject(pattern, event);
}

/** Validates a pattern given as JSON text or as parsed JSON; a malformed one throws a BadInputError naming each problem. */
export function parseEventPattern(json: unknown): EventPattern {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (error) {
      throw new BadInputError(`The event pattern is not JSON: ${(error as Error).message}`);
    }
  }
  const parsed = patternSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  - ${formatPath(issue.path) || '(top level)'}: ${issue.message}`);
    throw new BadInputError(`The event pattern is not valid:\n${problems.join('\n')}`);
  }
  return parsed.data;
}

// Matching

function matchesObject(pattern: EventPattern, value: unknown): boolean {
  return Object.entries(pattern).every(([field, entry]) => {
    if (field === '$or') return (entry as EventPattern[]).some((alternative) => matchesObject(alternative, value));
    const fieldValue = isPlainObject(value) ? value[field] : undefined;
    return Array.isArray(entry) ? matchesField(entry as Matcher[], fieldValue) : matchesNested(entry, fieldValue);
  });
}

/** The fields of a nested pattern must be found together, so an array of objects matches when one of its objects does. */
function matchesNested(pattern: EventPattern, value: unknown): boolean {
  const objects = Array.isArray(value) ? value.flat(Infinity).filter(isPlainObject) : [];
  return objects.length > 0 ? objects.some((object) => matchesObject(pattern, object)) : matchesObject(pattern, value);
}

function matchesField(matchers: readonly Matcher[], value: unknown): boolean {
  const leaves = leavesOf(value);
  return matchers.some((matcher) => (isExists(matcher) ? matcher.exists === leaves.length > 0 : leaves.some((leaf) => matchesValue(matcher, leaf))));
}

/**
 * Matchers apply to leaves: an array stands for each of its elements, and an object is no value of
 * the field at all (so `exists: false` matches it, as the guide's example shows).
 */
function leavesOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.flat(Infinity).filter((leaf) => !isPlainObject(leaf));
  return value === undefined || isPlainObject(value) ? [] : [value];
}

function matchesValue(matcher: Exclude<Matcher, { exists: boolean }>, value: unknown): boolean {
  if (matcher === null || typeof matcher !== 'object') return matcher === value;
  if ('numeric' in matcher) return typeof value === 'number' && inRange(matcher.numeric, value);
  if ('anything-but' in matcher) return matchesAnythingBut(matcher['anything-but'], value);
  // The string operators only ever match strings.
  if (typeof value !== 'string') return false;
  if ('prefix' in matcher) return affixMatches(matcher.prefix, value, (text, affix) => text.startsWith(affix));
  if ('suffix' in matcher) return affixMatches(matcher.suffix, value, (text, affix) => text.endsWith(affix));
  if ('equals-ignore-case' in matcher) return equalsIgnoringCase(matcher['equals-ignore-case'], value);
  return wildcardExpression(matcher.wildcard).test(value);
}

function matchesAnythingBut(excluded: AnythingBut, value: unknown): boolean {
  if (typeof excluded !== 'object') return value !== excluded;
  if (Array.isArray(excluded)) return !(excluded as unknown[]).includes(value);
  if (typeof value !== 'string') return false;
  if ('prefix' in excluded) return !value.startsWith(excluded.prefix);
  if ('suffix' in excluded) return !value.endsWith(excluded.suffix);
  if ('equals-ignore-case' in excluded) return ![excluded['equals-ignore-case']].flat().some((text) => equalsIgnoringCase(text, value));
  return ![excluded.wildcard].flat().some((wildcard) => wildcardExpression(wildcard).test(value));
}

function affixMatches(affix: string | IgnoringCase, value: string, test: (text: string, affix: string) => boolean): boolean {
  return typeof affix === 'string' ? test(value, affix) : test(value.toLowerCase(), affix['equals-ignore-case'].toLowerCase());
}

function equalsIgnoringCase(expected: string, value: string): boolean {
  return expected.toLowerCase() === value.toLowerCase();
}

/** EventBridge compares numbers within ±5e9 only; a number outside that range never matches a numeric test. */
const NUMERIC_LIMIT = 5e9;

function inRange(range: NumericRange, value: number): boolean {
  if (Math.abs(value) > NUMERIC_LIMIT) return false;
  for (let index = 0; index < range.length; index += 2) {
    const bound = range[index + 1] as number;
    const holds = {
      '<': value < bound,
      '<=': value <= bound,
      '=': value === bound,
      '>=': value >= bound,
      '>': value > bound,
    }[range[index] as NumericOperator];
    if (!holds) return false;
  }
  return true;
}

/** `*` stands for any run of characters; `\*` is an asterisk and `\\` a backslash. */
function wildcardExpression(wildcard: string): RegExp {
  let source = '';
  for (let index = 0; index < wildcard.length; index++) {
    const character = wildcard[index]!;
    if (character === '*') source += '.*';
    else source += escapeForRegExp(character === '\\' ? wildcard[++index]! : character);
  }
  return new RegExp(`^${source}$`, 's');
}

const escapeForRegExp = (text: string) => text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');

const isExists = (matcher: Matcher): matcher is { exists: boolean } => typeof matcher === 'object' && matcher !== null && 'exists' in matcher;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Validation, with EventBridge's own restrictions, so that a pattern refused on AWS is refused locally too.

/** Moves the issues of a part's own check under the part's path. */
function forwardIssues(context: z.RefinementCtx, result: z.ZodSafeParseResult<unknown>, path: PropertyKey[]): void {
  if (result.success) return;
  for (const issue of result.error.issues) context.addIssue({ code: 'custom', message: issue.message, path: [...path, ...issue.path] });
}

/** An object holding exactly one of `operators`, whose operand that operator's schema checks. */
function operatorObject(what: string, operators: Record<string, z.ZodType>) {
  const names = Object.keys(operators)
    .map((name) => `"${name}"`)
    .join(', ');
  return z.record(z.string(), z.unknown()).superRefine((value, context) => {
    const keys = Object.keys(value);
    const [name] = keys;
    if (keys.length !== 1 || name === undefined) {
      context.addIssue({
        code: 'custom',
        message: `${what} holds exactly one of ${names}; found ${keys.length === 0 ? 'none' : keys.map((key) => `"${key}"`).join(', ')}`,
      });
      return;
    }
    const operand = operators[name];
    if (!operand) {
      context.addIssue({ code: 'custom', message: `"${name}" is not ${what}; use one of ${names}` });
      return;
    }
    forwardIssues(context, operand.safeParse(value[name]), [name]);
  });
}

const wildcardText = z.string({ error: 'a wildcard is a string' }).superRefine((wildcard, context) => {
  const unescaped = wildcard.replace(/\\[*\\]/g, '_');
  if (unescaped.includes('**'))
    context.addIssue({ code: 'custom', message: `"${wildcard}" has consecutive wildcard characters, which EventBridge does not allow` });
  if (unescaped.includes('\\')) context.addIssue({ code: 'custom', message: `"${wildcard}" has a backslash that escapes neither "*" nor "\\"` });
});

const ignoringCase = (operator: string) =>
  z.union([z.string(), z.strictObject({ 'equals-ignore-case': z.string() })], {
    error: `"${operator}" takes a string, or { "equals-ignore-case": "..." }`,
  });

const stringOrStrings = (operator: string, text: z.ZodType<string> = z.string()) =>
  z.union([text, z.array(text).min(1)], { error: `"${operator}" takes a string or a list of strings` });

const anythingBut = z.custom<AnythingBut>().superRefine((value, context) => {
  if (typeof value === 'string' || typeof value === 'number') return;
  if (Array.isArray(value)) {
    const allStrings = value.every((entry) => typeof entry === 'string');
    const allNumbers = value.every((entry) => typeof entry === 'number');
    if (value.length === 0 || !(allStrings || allNumbers))
      context.addIssue({ code: 'custom', message: '"anything-but" takes a non-empty list of only strings or only numbers' });
    return;
  }
  if (isPlainObject(value)) {
    const operators = {
      prefix: z.string({ error: '"prefix" under "anything-but" takes one string' }),
      suffix: z.string({ error: '"suffix" under "anything-but" takes one string' }),
      'equals-ignore-case': stringOrStrings('equals-ignore-case'),
      wildcard: stringOrStrings('wildcard', wildcardText),
    };
    forwardIssues(context, operatorObject('an "anything-but" operator', operators).safeParse(value), []);
    return;
  }
  context.addIssue({
    code: 'custom',
    message: '"anything-but" takes a string, a number, a list of them, or { "prefix" | "suffix" | "equals-ignore-case" | "wildcard": ... }',
  });
});

const LOWER_BOUNDS: readonly unknown[] = ['>', '>='];
const UPPER_BOUNDS: readonly unknown[] = ['<', '<='];

const numericRange = z.custom<NumericRange>().superRefine((range, context) => {
  const problem = (message: string) => context.addIssue({ code: 'custom', message: `"numeric" ${message}, such as [">", 0, "<=", 5] or ["=", 3.018e2]` });
  if (!Array.isArray(range) || (range.length !== 2 && range.length !== 4)) return problem('takes one or two comparisons');
  const operators: unknown[] = range.filter((_, index) => index % 2 === 0);
  const bounds: unknown[] = range.filter((_, index) => index % 2 === 1);
  if (!bounds.every((bound) => typeof bound === 'number' && Math.abs(bound) <= NUMERIC_LIMIT))
    return problem(`compares with numbers between -${NUMERIC_LIMIT} and ${NUMERIC_LIMIT}`);
  if (!operators.every((operator) => operator === '=' || LOWER_BOUNDS.includes(operator) || UPPER_BOUNDS.includes(operator)))
    return problem('takes the operators <, <=, =, >= and >');
  if (
    operators.length === 2 &&
    !(operators.some((operator) => LOWER_BOUNDS.includes(operator)) && operators.some((operator) => UPPER_BOUNDS.includes(operator)))
  ) {
    return problem('combines one lower bound (> or >=) with one upper bound (< or <=)');
  }
});

const OPERATORS = {
  prefix: ignoringCase('prefix'),
  suffix: ignoringCase('suffix'),
  'equals-ignore-case': z.string({ error: '"equals-ignore-case" takes a string' }),
  wildcard: wildcardText,
  'anything-but': anythingBut,
  numeric: numericRange,
  exists: z.boolean({ error: '"exists" takes true or false' }),
};

const matcher = z.custom<Matcher>().superRefine((value, context) => {
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return;
  if (isPlainObject(value)) forwardIssues(context, operatorObject('a match operator', OPERATORS).safeParse(value), []);
  else context.addIssue({ code: 'custom', message: 'a match value is a string, a number, true, false, null, or an operator such as { "prefix": "..." }' });
});

// EventBridge refuses empty lists, which could never match.
const matchList = z.array(matcher).min(1, 'lists at least one value to match');

const alternatives = z
  .array(
    z.lazy(() => patternSchema),
    { error: '"$or" takes a list of patterns' },
  )
  .min(2, '"$or" takes at least two patterns');

const patternSchema: z.ZodType<EventPattern> = z.custom<EventPattern>().superRefine((value, context) => {
  if (!isPlainObject(value)) {
    context.addIssue({ code: 'custom', message: 'an event pattern is a JSON object' });
    return;
  }
  for (const [field, entry] of Object.entries(value)) {
    if (field === '$or') forwardIssues(context, alternatives.safeParse(entry), [field]);
    else if (Array.isArray(entry)) forwardIssues(context, matchList.safeParse(entry), [field]);
    else if (isPlainObject(entry)) forwardIssues(context, patternSchema.safeParse(entry), [field]);
    else
      context.addIssue({
        code: 'custom',
        message: `must be a list of values to match, such as [${JSON.stringify(entry)}], or a nested pattern`,
        path: [field],
      });
  }
});
