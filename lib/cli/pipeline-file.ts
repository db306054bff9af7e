import { readFile, stat } from 'node:fs/promises';
import { ruleCatalog } from '../actions/rule-registry';
import path from 'node:path';
import { awsCredentialsFound, LOCAL_ACCOUNT_ID, localRegion } from '../compose/aws-access';
import { DEFAULT_DATA_DIR } from '../compose/data-dir';
import { lambdaHandlers } from '../compose/local-job-functions';
import { BadInputError } from '../core/errors';
import { awsEndpoints } from '../compose/rule-endpoints';
import { providerKey, type ActionTypeId, type PipelineDeclaration } from '../core/declaration';
import { parseDeclarationText } from '../core/declaration-text';
import { pipelineFromTemplate, type TemplatePipeline } from '../core/cloudformation/pipeline-resource';
import { isTemplate } from '../core/cloudformation/template';
import { DECLARATION_TEXT_LIMITS } from '../core/text-limits';
import type { Runtime } from '../core/providers';
import { validatePipelineAsking, type Problem } from '../core/validate';
import { providerCatalog } from '../actions/registry';

export type LoadedPipeline =
  | {
      ok: true;
      file: string;
      pipeline: PipelineDeclaration;
      /** What reading a CloudFormation template made up or left out. */
      notes: string[];
      /** What a template declares beside the pipeline. */
      template?: Pick<TemplatePipeline, 'tags' | 'restartExecutionOnUpdate'>;
    }
  | { ok: false; file: string; problems: Problem[] };

/** How to read a CloudFormation template, for a file that is one. */
export interface TemplateReading {
  /** The AWS::CodePipeline::Pipeline to read, by logical id. */
  resource?: string;
  /** Values of the template's parameters and of pseudo-parameters. */
  parameter?: Record<string, string>;
  /** Where the pipeline is registered: on AWS, names that CloudFormation makes up cannot be known, and are refused. */
  registerOn?: 'local' | 'aws';
}

/**
 * Reads, parses and validates one declaration file; every problem is returned, nothing thrown.
 * For the local runtime, the Lambda functions that the data dir's settings or SLUICE_LAMBDA_HANDLERS
 * map to handler files are known to call no AWS.
 */
export async function loadPipelineFile(file: string, runtime?: Runtime, dataDir = DEFAULT_DATA_DIR, reading: TemplateReading = {}): Promise<LoadedPipeline> {
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
  let declaration = parsed.value;
  let fromTemplate: TemplatePipeline | undefined;
  if (isTemplate(declaration)) {
    const read = readTemplate(declaration, file, runtime, reading);
    if (!read.ok) return { ok: false, file, problems: read.problems.map((problem) => ({ path: problem.path, rule: 'template', message: problem.message })) };
    fromTemplate = read;
    declaration = read.declaration;
  } else if (reading.resource !== undefined || reading.parameter !== undefined) {
    const message = `--resource and --parameter read CloudFormation templates, and ${file} is a pipeline declaration; leave them out.`;
    return { ok: false, file, problems: [{ path: '', rule: 'template', message }] };
  }
  let handlerFunctions: string[] = [];
  try {
    if (runtime === 'local') handlerFunctions = [...(await lambdaHandlers(dataDir, process.env)).keys()];
  } catch (error) {
    if (!(error instanceof BadInputError)) throw error;
    return { ok: false, file, problems: [{ path: '', rule: 'lambda-handlers', message: error.message }] };
  }
  const validation = await validatePipelineAsking(
    declaration,
    providerCatalog,
    { runtime, rules: ruleCatalog, endpoints: awsEndpoints(process.env), handlerFunctions, homeRegion: homeRegionOf(runtime, process.env) },
    awsCredentialsFound,
  );
  if (!validation.ok) {
    const problems = fromTemplate
      ? validation.problems.map((problem) => ({ ...problem, templatePath: fromTemplate.templatePath(problem.path) }))
      : validation.problems;
    return { ok: false, file, problems };
  }
  const template = fromTemplate && { tags: fromTemplate.tags, restartExecutionOnUpdate: fromTemplate.restartExecutionOnUpdate };
  return { ok: true, file, pipeline: validation.pipeline, notes: fromTemplate?.notes ?? [], ...(template ? { template } : {}) };
}

/**
 * The pipeline of a CloudFormation template. Locally, the pseudo-parameters are the local account
 * and region, resources the template does not name get the names CloudFormation would make up,
 * and the roles the template creates are left out; for AWS, the region and account must be given
 * unless the SDK's region is set.
 */
function readTemplate(template: Parameters<typeof pipelineFromTemplate>[0], file: string, runtime: Runtime | undefined, reading: TemplateReading) {
  const local = runtime !== 'aws' && reading.registerOn !== 'aws';
  return pipelineFromTemplate(template, {
    ...(reading.resource === undefined ? {} : { resource: reading.resource }),
    parameters: reading.parameter ?? {},
    pseudo: {
      region: local ? localRegion(process.env) : (process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION),
      ...(local ? { accountId: LOCAL_ACCOUNT_ID } : {}),
      stackName: stackNameOf(file),
    },
    physicalNames: reading.registerOn === 'aws' ? 'declared' : 'generate',
    leaveOutTemplateRole: local ? () => 'here it does not exist, as the stack is not deployed' : assumesNoRoleOnAws,
  });
}

/** Why Sluice on AWS assumes no role for an action of this type: its provider calls no AWS there. */
function assumesNoRoleOnAws({ Category, Owner, Provider }: Record<string, unknown>): string | undefined {
  const spec = providerCatalog.get(providerKey({ category: Category, owner: Owner, provider: Provider } as ActionTypeId));
  return spec?.runsWithoutAwsOn?.includes('aws') ? `${spec.provider} calls no AWS service on the aws runtime, where Sluice assumes no role for it` : undefined;
}

/** The stack name a template stands for here: its file's name, in the letters, digits and hyphens a stack name allows. */
function stackNameOf(file: string): string {
  const base = path
    .basename(file)
    .replace(/\.[^.]*$/, '')
    .replace(/[^A-Za-z0-9-]+/g, '-');
  return /^[A-Za-z]/.test(base) ? base : `stack-${base}`;
}

/** Prints what reading a template made up or left out, where it does not mix with a command's output. */
export function printNotes(loaded: LoadedPipeline): void {
  if (loaded.ok) for (const note of loaded.notes) console.error(`note: ${note}`);
}

/**
 * The region a pipeline runs in on `runtime`, where this machine knows it: locally. The AWS
 * stack's region is known where the stack registers its pipelines, which validates them again.
 */
function homeRegionOf(runtime: Runtime | undefined, env: NodeJS.ProcessEnv): string | undefined {
  return runtime === 'local' ? localRegion(env) : undefined;
}

export function formatProblems(file: string, problems: readonly Problem[]): string {
  const where = (problem: Problem) => (problem.templatePath ? `${problem.templatePath} (${problem.path})` : problem.path || '(file)');
  const lines = problems.map((problem) => `  ${where(problem)}: ${problem.message} [${problem.rule}]`);
  const count = `${problems.length} problem${problems.length === 1 ? '' : 's'}`;
  return [`${file}: ${count}`, ...lines].join('\n');
}
