import type { Command } from 'commander';
import { ExitCode, type ExitWith } from '../exit-codes';
import { formatProblems, loadPipelineFile } from '../pipeline-file';
import { runtimeOption, type RuntimeOptions } from '../runtime-option';

export function registerValidate(program: Command, exitWith: ExitWith): void {
  runtimeOption(
    program
      .command('validate')
      .description("Check a pipeline declaration (JSON or YAML) against CodePipeline's rules")
      .argument('<file>', 'the declaration: a pipeline object, or the output of aws codepipeline get-pipeline')
      .option('--json', 'print the result as JSON'),
  ).action(
    exitWith(async (file: string, options: RuntimeOptions & { json?: boolean }) => {
      const loaded = await loadPipelineFile(file, options.runtime);
      if (options.json) {
        const problems = loaded.ok ? [] : loaded.problems;
        const name = loaded.ok ? loaded.pipeline.name : undefined;
        console.log(JSON.stringify({ file, valid: loaded.ok, pipeline: name, problems }, null, 2));
      } else if (loaded.ok) {
        const actions = loaded.pipeline.stages.reduce((sum, stage) => sum + stage.actions.length, 0);
        console.log(`${file}: pipeline ${loaded.pipeline.name} is valid (${loaded.pipeline.stages.length} stages, ${actions} actions)`);
      } else {
        console.error(formatProblems(file, loaded.problems));
      }
      return loaded.ok ? ExitCode.Ok : ExitCode.BadInput;
    }),
  );
}
