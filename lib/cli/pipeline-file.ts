import { readFile, stat } from 'node:fs/promises';
import { ruleCatalog } from '../actions/rule-registry';
import { awsCredentialsFound, localRegion } from '../compose/aws-access';
import { DEFAULT_DATA_DIR } from '../compose/data-dir';
import { lambdaHandlers } from '../compose/local-job-functions';
import { BadInputError } from '../core/errors';
import { awsEndpoints } from '../compose/rule-endpoints';
import type { PipelineDeclaration } from '../core/declaration';
import { parseDeclarationText } from '../core/declaration-text';
import { DECLARATION_TEXT_LIMITS } from '../core/text-limits';
import type { Runtime } from '../core/providers';
import { validatePipelineAsking, type Problem } from '../core/validate';
import { providerCatalog } from '../actions/registry';

export type LoadedPipeline = { ok: true; file: string; pipeline: PipelineDeclaration } | { ok: false; file: string; problems: Problem[] };

/**
 * Reads, parses and validates one declaration file; every problem is returned, nothing thrown.
 * For the local runtime, the Lambda functions that the data dir's settings or SLUICE_LAMBDA_HANDLERS
 * map to handler files are known to call no AWS.
 */
export async function loadPipelineFile(file: string, runtime?: Runtime, dataDir = DEFAULT_DATA_DIR): Promise<LoadedPipeline> {
  let text: string;
  try {
    // A file too large to parse is refused unread.
    const { size } = await stat(file);
    if (size > DECLARATION_TEXT_LIMITS.maxBytes) {
      const message = `${file} is ${size} bytes, larger than ${DECLARATION_TEXT_LIMITS.maxBytes}, the most Sluice reads in a declaration.`;
      return { ok: false, file, problems: [{ path: '', rule: 'file', message }] };
    }
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    return { ok: false, file, problems: [{ path: '', rule: 'file', message: `Cannot read ${file}: ${reason}.` }] };
  }
  const parsed = parseDeclarationText(text);
  if (!parsed.ok) return { ok: false, file, problems: parsed.problems };
  let handlerFunctions: string[] = [];
  try {
    if (runtime === 'local') handlerFunctions = [...(await lambdaHandlers(dataDir, process.env)).keys()];
  } catch (error) {
    if (!(error instanceof BadInputError)) throw error;
    return { ok: false, file, problems: [{ path: '', rule: 'lambda-handlers', message: error.message }] };
  }
  const validation = await validatePipelineAsking(
    parsed.value,
    providerCatalog,
    { runtime, rules: ruleCatalog, endpoints: awsEndpoints(process.env), handlerFunctions, homeRegion: homeRegionOf(runtime, process.env) },
    awsCredentialsFound,
  );
  return validation.ok ? { ok: true, file, pipeline: validation.pipeline } : { ok: false, file, problems: validation.problems };
}

/**
 * The region a pipeline runs in on `runtime`, where this machine knows it: locally. The AWS
 * stack's region is known where the stack registers its pipelines, which validates them again.
 */
function homeRegionOf(runtime: Runtime | undefined, env: NodeJS.ProcessEnv): string | undefined {
  return runtime === 'local' ? localRegion(env) : undefined;
}

export function formatProblems(file: string, problems: readonly Problem[]): string {
  const lines = problems.map((problem) => `  ${problem.path || '(file)'}: ${problem.message} [${problem.rule}]`);
  const count = `${problems.length} problem${problems.length === 1 ? '' : 's'}`;
  return [`${file}: ${count}`, ...lines].join('\n');
}
