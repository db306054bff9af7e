import { CLOUDFORMATION_TAGS } from './cloudformation/short-form-tags';
import { DECLARATION_TEXT_LIMITS } from './text-limits';
import { parseYamlWithinLimits } from './yaml-within-limits';
import type { Problem } from './validate';

export type ParsedText = { ok: true; value: unknown } | { ok: false; problems: Problem[] };

/**
 * Reads a declaration written as JSON or YAML, within DECLARATION_TEXT_LIMITS. YAML is a superset
 * of JSON, so one parser serves both. CloudFormation's short-form tags (`!Ref`, `!Sub`) read as
 * the long form, for templates.
 */
export function parseDeclarationText(text: string): ParsedText {
  const parsed = parseYamlWithinLimits(text, DECLARATION_TEXT_LIMITS, { uniqueKeys: true, customTags: CLOUDFORMATION_TAGS });
  if (!parsed.ok) {
    return {
      ok: false,
      problems: parsed.errors.map((error) => ({ path: '', rule: 'syntax', message: `${error}. Fix the JSON or YAML syntax.` })),
    };
  }
  const { value } = parsed;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return {
      ok: false,
      problems: [
        { path: '', rule: 'syntax', message: 'The file must hold one pipeline object (name, stages, ...), or a CloudFormation template with Resources.' },
      ],
    };
  }
  return { ok: true, value };
}
