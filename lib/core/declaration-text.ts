import { parseDocument } from 'yaml';
import type { Problem } from './validate';

export type ParsedText = { ok: true; value: unknown } | { ok: false; problems: Problem[] };

/** Reads a declaration written as JSON or YAML. YAML is a superset of JSON, so one parser serves both. */
export function parseDeclarationText(text: string): ParsedText {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    return {
      ok: false,
      problems: document.errors.map((error) => ({
        path: '',
        rule: 'syntax',
        message: `${error.message.split('\n')[0]}. Fix the JSON or YAML syntax.`,
      })),
    };
  }
  const value: unknown = document.toJS();
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return {
      ok: false,
      problems: [{ path: '', rule: 'syntax', message: 'The file must hold one pipeline object (name, stages, ...).' }],
    };
  }
  return { ok: true, value };
}
