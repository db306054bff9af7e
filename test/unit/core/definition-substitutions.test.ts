import { compilePipeline } from '../../../lib/core/compile';
import type { PipelineDeclaration } from '../../../lib/core/declaration';
import { formatSubstitutionProblem, substitutionProblems } from '../../../lib/core/definition-substitutions';
import { EXAMPLES, PIPELINES, VALID_FIXTURES, loadValid } from '../../support/fixtures';
import { providerCatalog } from '../../../lib/actions/registry';

/** The shipped pipeline with its Commands action's first command, and its CodeBuild action's environment, replaced. */
function webappWith(command: string, environment = '[]'): PipelineDeclaration {
  const pipeline = structuredClone(loadValid('pipelines/webapp.yml'));
  const actions = pipeline.stages.flatMap((stage) => stage.actions);
  const commands = actions.find((action) => action.commands)!;
  commands.commands = [command, ...commands.commands!.slice(1)];
  const build = actions.find((action) => action.actionTypeId.provider === 'CodeBuild')!;
  build.configuration = { ...build.configuration, EnvironmentVariables: environment };
  return pipeline;
}

describe('substitutionProblems', () => {
  it.each([...VALID_FIXTURES, ...EXAMPLES, ...PIPELINES])('finds nothing in %s, whose only ${ are the function placeholders', (file) => {
    const { definition } = compilePipeline(loadValid(file), providerCatalog);
    expect(JSON.stringify(definition)).toContain('${ActionRunnerFunctionArn}');
    expect(substitutionProblems(definition)).toEqual([]);
  });

  it('names the stage, action and field of each ${ in shell text and configuration', () => {
    const { definition } = compilePipeline(
      webappWith('test -f "${SITE_DIR}/index.html"', '[{"name":"A","value":"${AWS::Region}","type":"PLAINTEXT"}]'),
      providerCatalog,
    );
    const problems = substitutionProblems(definition);
    expect(problems).toEqual(
      expect.arrayContaining([
        { stage: 'Test', action: 'SiteCheck', field: 'commands[0]', text: 'test -f "${SITE_DIR}/index.html"' },
        expect.objectContaining({ stage: 'Build', field: 'configuration.EnvironmentVariables', text: expect.stringContaining('${AWS::Region}') }),
      ]),
    );
    expect(
      formatSubstitutionProblem(
        'webapp',
        problems.find((problem) => problem.action === 'SiteCheck')!,
      ),
    ).toBe(
      'pipeline webapp, stage Test, action SiteCheck, field commands[0]: "test -f \\"${SITE_DIR}/index.html\\"" holds "${", which CloudFormation\'s DefinitionSubstitutions would replace when the stack deploys. Write $NAME instead of ${NAME} in shell text, or register the pipeline at run time (create-pipeline --target aws), which is not deployed through CloudFormation.',
    );
  });

  it('finds a ${ without its closing brace, and takes $NAME and #{variables}', () => {
    expect(substitutionProblems(compilePipeline(webappWith('echo ${HOME'), providerCatalog).definition).map((problem) => problem.field)).toEqual([
      'commands[0]',
    ]);
    expect(substitutionProblems(compilePipeline(webappWith('echo "$HOME #{codepipeline.PipelineExecutionId}"'), providerCatalog).definition)).toEqual([]);
  });
});
