import type { z } from 'zod';
import { ValidationError } from '../core/errors';

/** `input` as `schema` takes it, or a ValidationError naming each problem; `what` names the input where a problem has no path. */
export function parseOrRefuse<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || what}: ${issue.message}`).join('; ');
  throw new ValidationError(`${what} is not valid: ${problems}.`);
}
