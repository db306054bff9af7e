import type { Command } from 'commander';
import { apiCommand, printJson } from '../api-command';
import { ConflictError } from '../../core/errors';
import { ExitCode, type ExitWith } from '../exit-codes';
import { targetOptions, type TargetOptions } from '../target-options';
import { templateOptions, type TemplateOptions } from '../template-options';
import type { CreatedPipeline, FirstExecution, PipelineDescription, SluiceApi } from '../../operations/sluice-api';

/** What create-pipeline says of the execution CodePipeline starts on creation, and update-pipeline of one a template asks for. */
const firstExecutionLine = (first: FirstExecution, trigger = 'trigger CreatePipeline') =>
  'pipelineExecutionId' in first ? `Started execution ${first.pipelineExecutionId} (${trigger})` : `No execution started: ${first.notStarted}`;

/** The execution a template's RestartExecutionOnUpdate asks for, or why none started where nothing runs executions in the background. */
async function startAfterUpdate(api: SluiceApi, name: string): Promise<FirstExecution> {
  try {
    return await api.startPipelineExecution(name);
  } catch (error) {
    if (error instanceof ConflictError) return { notStarted: error.message };
    throw error;
  }
}

type JsonOptions = TargetOptions & { json?: boolean };

/** create-pipeline, update-pipeline, get-pipeline, list-pipelines, delete-pipeline: CodePipeline's API, locally or on AWS. */
/** Every pipeline, page after page. */
async function allPipelines(api: SluiceApi): Promise<PipelineDescription[]> {
  const pipelines: PipelineDescription[] = [];
  let nextToken: string | undefined;
  do {
    const page = await api.listPipelines(nextToken ? { nextToken } : {});
    pipelines.push(...page.items);
    nextToken = page.nextToken;
  } while (nextToken);
  return pipelines;
}

export function registerPipelineCommands(program: Command, exitWith: ExitWith): void {
  for (const [name, description, change] of [
    [
      'create-pipeline',
      'Register a pipeline, as version 1 (with --target aws, also as a Step Functions state machine), and start it where executions run in the background (sluice serve, AWS), as CodePipeline does',
      'createPipeline',
    ],
    ['update-pipeline', 'Replace a registered pipeline with a new version (the version goes up by one; running executions keep theirs)', 'updatePipeline'],
  ] as const) {
    templateOptions(
      targetOptions(
        program
          .command(name)
          .description(description)
          .argument('<file>', 'the declaration (JSON or YAML), or a CloudFormation template')
          .option('--json', 'print the stored pipeline as JSON'),
      ),
    ).action(
      exitWith(async (file: string, options: JsonOptions & TemplateOptions) => {
        const { formatProblems, loadPipelineFile, printNotes } = await import('../pipeline-file');
        const loaded = await loadPipelineFile(file, undefined, options.dataDir, { ...options, registerOn: options.target });
        if (!loaded.ok) {
          console.error(formatProblems(file, loaded.problems));
          return ExitCode.BadInput;
        }
        printNotes(loaded);
        return apiCommand(name, options, async (api) => {
          const stored =
            change === 'createPipeline' ? await api.createPipeline(loaded.pipeline, loaded.template?.tags) : await api.updatePipeline(loaded.pipeline);
          const created = 'firstExecution' in stored ? (stored as CreatedPipeline) : undefined;
          // CloudFormation starts an execution when it updates a pipeline whose template asks for it.
          const restarted = change === 'updatePipeline' && loaded.template?.restartExecutionOnUpdate ? await startAfterUpdate(api, stored.name) : undefined;
          if (options.json) {
            printJson({
              pipeline: stored.declaration,
              ...(created ? { tags: created.tags, firstExecution: created.firstExecution } : {}),
              ...(restarted ? { restartedExecution: restarted } : {}),
            });
          } else {
            const lines = [`${stored.name}: version ${stored.version}`];
            if (created) lines.push(firstExecutionLine(created.firstExecution));
            if (restarted) lines.push(firstExecutionLine(restarted, 'RestartExecutionOnUpdate'));
            console.log(lines.join('\n'));
          }
        });
      }),
    );
  }

  targetOptions(
    program
      .command('get-pipeline')
      .description("Print a registered pipeline's declaration")
      .argument('<name>')
      .option('--version <n>', 'a version other than the latest')
      .option('--json', 'print JSON (the default is YAML)'),
  ).action(
    exitWith((name: string, options: JsonOptions & { version?: string }) =>
      apiCommand('get-pipeline', options, async (api) => {
        const version = options.version === undefined ? undefined : Number(options.version);
        if (version !== undefined && !(Number.isInteger(version) && version > 0)) {
          console.error(`--version must be a whole number from 1, not "${options.version}".`);
          return ExitCode.BadInput;
        }
        const stored = await api.getPipeline(name, version);
        const output = { pipeline: stored.declaration, metadata: { pipelineArn: stored.pipelineArn, created: stored.created } };
        if (options.json) printJson(output);
        else console.log((await import('yaml')).stringify(output).trimEnd());
      }),
    ),
  );

  targetOptions(program.command('list-pipelines').description('List the registered pipelines').option('--json', 'print JSON')).action(
    exitWith((options: JsonOptions) =>
      apiCommand('list-pipelines', options, async (api) => {
        const pipelines = (await allPipelines(api)).map(({ name, version, created }) => ({ name, version, created }));
        if (options.json) printJson({ pipelines });
        else for (const pipeline of pipelines) console.log(`${pipeline.name}\tversion ${pipeline.version}\t${pipeline.created}`);
      }),
    ),
  );

  targetOptions(
    program
      .command('delete-pipeline')
      .description('Delete a registered pipeline and all its versions (with --target aws, its state machine too)')
      .argument('<name>')
      .option('--json', 'print JSON'),
  ).action(
    exitWith((name: string, options: JsonOptions) =>
      apiCommand('delete-pipeline', options, async (api) => {
        await api.deletePipeline(name);
        if (options.json) printJson({ deleted: name });
        else console.log(`Deleted ${name}`);
      }),
    ),
  );
}
