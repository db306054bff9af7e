import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { providerCatalog } from '../../lib/actions/registry';
import type { PipelineDeclaration } from '../../lib/core/declaration';
import { parseDeclarationText } from '../../lib/core/declaration-text';
import { validatePipeline } from '../../lib/core/validate';

export const ROOT = path.resolve(__dirname, '../..');

export function readDeclaration(file: string): unknown {
  const parsed = parseDeclarationText(readFileSync(path.resolve(ROOT, file), 'utf8'));
  if (!parsed.ok) throw new Error(`${file}: ${JSON.stringify(parsed.problems)}`);
  return parsed.value;
}

/** Reads a declaration that must be valid, and returns it validated. */
export function loadValid(file: string): PipelineDeclaration {
  const validation = validatePipeline(readDeclaration(file), providerCatalog);
  if (!validation.ok) throw new Error(`${file}: ${JSON.stringify(validation.problems, null, 2)}`);
  return validation.pipeline;
}

export const VALID_FIXTURES = readdirSync(path.join(ROOT, 'test/fixtures/valid'))
  .filter((name) => /\.(json|ya?ml)$/.test(name))
  .map((name) => `test/fixtures/valid/${name}`);

export const EXAMPLES = readdirSync(path.join(ROOT, 'examples'))
  .filter((name) => name.endsWith('.pipeline.yml'))
  .map((name) => `examples/${name}`);

/** The pipelines the AWS stack deploys; packaging compiles each into statemachines/<name>.asl.json. */
export const PIPELINES = readdirSync(path.join(ROOT, 'pipelines'))
  .filter((name) => name.endsWith('.yml'))
  .map((name) => `pipelines/${name}`);
