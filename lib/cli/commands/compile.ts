import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { StateMachineDefinition } from '../../core/asl';
import { formatSubstitutionProblem, substitutionProblems } from '../../core/definition-substitutions';
import type { Runtime } from '../../core/providers';
import { formatDefinitionProblem, stepFunctionsProblems } from '../../core/step-functions-rules';
import { ExitCode, type ExitWith } from '../exit-codes';
import { templateOptions, type TemplateOptions } from '../template-options';
import { runtimeOption, type RuntimeOptions } from '../runtime-option';

/** The file a compiled definition is written to: one per pipeline, named after it. */
export function definitionFileName(pipelineName: string): string {
  return `${pipelineName}.asl.json`;
}

export function registerCompile(program: Command, exitWith: ExitWith): void {
  templateOptions(
    runtimeOption(
      program
        .command('compile')
        .description('Compile pipeline declarations into Step Functions definitions (ASL)')
        .argument('<files...>', 'declarations (JSON or YAML), or CloudFormation templates')
        .option('--out <dir>', 'write <pipeline>.asl.json files into this directory instead of printing')
        .option('--json', 'print the definitions, the Task maps and the validated declarations as JSON'),
    ),
  ).action(
    exitWith(async (files: string[], options: RuntimeOptions & TemplateOptions & { out?: string; json?: boolean }) => {
      const [{ formatProblems, loadPipelineFile, printNotes }, { providerCatalog }, { compilePipeline }] = await Promise.all([
        import('../pipeline-file'),
        import('../../actions/registry'),
        import('../../core/compile'),
      ]);
      const loaded = await Promise.all(files.map((file) => loadPipelineFile(file, options.runtime, undefined, options)));
      const invalid = loaded.filter((entry) => !entry.ok);
      if (invalid.length > 0) {
        for (const entry of invalid) if (!entry.ok) console.error(formatProblems(entry.file, entry.problems));
        console.error('Nothing was compiled.');
        return ExitCode.BadInput;
      }
      const compiled = loaded.flatMap((entry) =>
        entry.ok ? [{ file: entry.file, name: entry.pipeline.name, declaration: entry.pipeline, ...compilePipeline(entry.pipeline, providerCatalog) }] : [],
      );
      const refused = compiled.flatMap((entry) => {
        const problems = deployProblems(entry.name, entry.definition, options.runtime);
        return problems.length > 0
          ? [`${entry.file}: the definition of pipeline ${entry.name} cannot be deployed:\n${problems.map((problem) => `  ${problem}`).join('\n')}`]
          : [];
      });
      if (refused.length > 0) {
        for (const message of refused) console.error(message);
        console.error('Nothing was compiled.');
        return ExitCode.BadInput;
      }
      loaded.forEach(printNotes);
      if (options.out) {
        await mkdir(options.out, { recursive: true });
        for (const entry of compiled) {
          const target = path.join(options.out, definitionFileName(entry.name));
          await writeFile(target, `${JSON.stringify(entry.definition, null, 2)}\n`);
          if (!options.json) console.log(`${entry.file} -> ${target}`);
        }
      }
      if (options.json) {
        console.log(
          JSON.stringify(
            compiled.map(({ file, name, definition, tasks, declaration }) => ({ file, pipeline: name, definition, tasks, declaration })),
            null,
            2,
          ),
        );
      } else if (!options.out) {
        for (const entry of compiled) console.log(JSON.stringify(entry.definition, null, 2));
      }
      return ExitCode.Ok;
    }),
  );
}

/**
 * What Step Functions would refuse in a compiled definition; for the AWS runtime, whose
 * definitions CloudFormation deploys with DefinitionSubstitutions, also any `${` it would replace.
 */
function deployProblems(pipeline: string, definition: StateMachineDefinition, runtime: Runtime | undefined): string[] {
  return [
    ...stepFunctionsProblems(definition).map(formatDefinitionProblem),
    ...(runtime === 'aws' ? substitutionProblems(definition).map((problem) => formatSubstitutionProblem(pipeline, problem)) : []),
  ];
}
