import type { Command } from 'commander';
import { ExitCode, type ExitWith } from '../exit-codes';
import { templateOptions, type TemplateOptions } from '../template-options';
import { runtimeOption, type RuntimeOptions } from '../runtime-option';

export function registerValidate(program: Command, exitWith: ExitWith): void {
  templateOptions(
    runtimeOption(
      program
        .command('validate')
        .description("Check a pipeline declaration (JSON or YAML) against CodePipeline's rules")
        .argument('<file>', 'the declaration: a pipeline object, the output of aws codepipeline get-pipeline, or a CloudFormation template')
        .option('--json', 'print the result as JSON'),
    ),
  ).action(
    exitWith(async (file: string, options: RuntimeOptions & TemplateOptions & { json?: boolean }) => {
      const { formatProblems, loadPipelineFile, printNotes } = await import('../pipeline-file');
      const loaded = await loadPipelineFile(file, options.runtime, undefined, options);
      if (options.json) {
        const problems = loaded.ok ? [] : loaded.problems;
        const name = loaded.ok ? loaded.pipeline.name : undefined;
        const notes = loaded.ok ? loaded.notes : [];
        console.log(JSON.stringify({ file, valid: loaded.ok, pipeline: name, problems, notes }, null, 2));
      } else if (loaded.ok) {
        printNotes(loaded);
        const actions = loaded.pipeline.stages.reduce((sum, stage) => sum + stage.actions.length, 0);
        console.log(`${file}: pipeline ${loaded.pipeline.name} is valid (${loaded.pipeline.stages.length} stages, ${actions} actions)`);
      } else {
        console.error(formatProblems(file, loaded.problems));
      }
      return loaded.ok ? ExitCode.Ok : ExitCode.BadInput;
    }),
  );
}
