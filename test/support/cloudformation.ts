import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import yauzl from 'yauzl';
import { ROOT } from './fixtures';

export interface Resource {
  Type: string;
  Condition?: string;
  DependsOn?: string | string[];
  Properties?: Record<string, any>;
}

export interface Template {
  Parameters?: Record<string, { Type: string; Default?: unknown }>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, Resource>;
  Outputs?: Record<string, unknown>;
}

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
  Principal?: unknown;
  Condition?: unknown;
}

/** The file names in a zip. */
function zipEntryNames(file: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (error, zip) => {
      if (error) return reject(error);
      const names: string[] = [];
      zip.on('entry', (entry: { fileName: string }) => {
        names.push(entry.fileName);
        zip.readEntry();
      });
      zip.on('end', () => resolve(names));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

/** What `osls package --stage ci` writes: the update template, and the files in each function's zip, by function name. */
export interface PackagedStack {
  template: Template;
  functionFiles: Record<string, string[]>;
}

/** Runs `osls package --stage ci` into a temporary directory and reads the update template and the functions' zips. */
export async function packageStackWithFunctions(): Promise<PackagedStack> {
  const out = await mkdtemp(path.join(os.tmpdir(), 'sluice-package-'));
  try {
    await promisify(execFile)(path.join(ROOT, 'node_modules', '.bin', 'osls'), ['package', '--stage', 'ci', '--package', out], {
      cwd: ROOT,
      env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
    });
    const zips = (await readdir(out)).filter((file) => file.endsWith('.zip'));
    return {
      template: JSON.parse(await readFile(path.join(out, 'cloudformation-template-update-stack.json'), 'utf8')) as Template,
      functionFiles: Object.fromEntries(await Promise.all(zips.map(async (zip) => [zip.slice(0, -'.zip'.length), await zipEntryNames(path.join(out, zip))]))),
    };
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

/** Runs `osls package --stage ci` into a temporary directory and reads the update template. */
export async function packageStack(): Promise<Template> {
  return (await packageStackWithFunctions()).template;
}

export const resourcesOfType = (template: Template, type: string): [string, Resource][] =>
  Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);

export const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** A statement written as `!If [Condition, statement, !Ref AWS::NoValue]` counts as the statement. */
function unconditional(entry: unknown): PolicyStatement[] {
  const branches = (entry as { 'Fn::If'?: [string, unknown, unknown] })['Fn::If'];
  if (!branches) return [entry as PolicyStatement];
  return branches.slice(1).flatMap((branch) => ((branch as { Ref?: string }).Ref === 'AWS::NoValue' ? [] : unconditional(branch)));
}

/** Every statement of every identity policy in the template, with the role or policy it is in. */
export function identityStatements(template: Template): { owner: string; statement: PolicyStatement }[] {
  const documents: { owner: string; document: { Statement: unknown[] } }[] = [];
  for (const [name, resource] of Object.entries(template.Resources)) {
    if (resource.Type === 'AWS::IAM::Role') {
      for (const policy of resource.Properties?.Policies ?? []) documents.push({ owner: name, document: policy.PolicyDocument });
    }
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') {
      documents.push({ owner: name, document: resource.Properties!.PolicyDocument });
    }
  }
  return documents.flatMap(({ owner, document }) => document.Statement.flatMap(unconditional).map((statement) => ({ owner, statement })));
}

/** The statements of the identity policies of `owner`, a role or policy. */
export function statementsOf(template: Template, owner: string): PolicyStatement[] {
  return identityStatements(template)
    .filter((entry) => entry.owner === owner)
    .map(({ statement }) => statement);
}

/** `{"Fn::GetAtt": ["X", "Arn"]}`, `{"Ref": "X"}` or `{"Fn::Sub": "...${X}..."}`: the logical ids a value names. */
export function referencedIds(value: unknown): string[] {
  if (typeof value !== 'object' || value === null) return [];
  const entry = value as Record<string, unknown>;
  if (Array.isArray(entry['Fn::GetAtt'])) return [entry['Fn::GetAtt'][0] as string];
  if (typeof entry.Ref === 'string') return [entry.Ref];
  if (typeof entry['Fn::Sub'] === 'string') return [...entry['Fn::Sub'].matchAll(/\$\{([A-Za-z0-9]+)[.}]/g)].map((match) => match[1]!);
  return Object.values(entry).flatMap(referencedIds);
}

/** The logical ids a statement's resources name, and `*` for any resource. */
export function resourceIdsOf(statement: PolicyStatement): string[] {
  return asList(statement.Resource).flatMap((value) => (value === '*' ? ['*'] : referencedIds(value)));
}
