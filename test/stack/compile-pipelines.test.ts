import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from '../support/fixtures';

/** statemachines/compile-pipelines.cjs, as serverless.yml's `${file(...)}` variables call it. */
interface PipelinesResolver {
  stateMachines(context: { resolveVariable(address: string): Promise<unknown> }): Promise<Record<string, unknown>>;
}

const SHIPPED = readFileSync(path.join(ROOT, 'pipelines/webapp.yml'), 'utf8');

/** What serverless.yml gives the resolver, for stage `ci`. */
const VARIABLES: Record<string, unknown> = {
  'self:custom.engineEnvironment.STATE_MACHINE_NAME_PREFIX': 'sluice-ci-',
  'self:custom.pipelineStateMachine': {},
};
const resolveVariable = async (address: string) => VARIABLES[address];

/** A pipelines directory with these files, and a fresh copy of the resolver that reads it. */
function resolverFor(files: Record<string, string>): { dir: string; resolver: PipelinesResolver } {
  const dir = mkdtempSync(path.join(tmpdir(), 'sluice-pipelines-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  process.env.SLUICE_PIPELINES_DIR = dir;
  try {
    let resolver!: PipelinesResolver;
    jest.isolateModules(() => {
      resolver = require(path.join(ROOT, 'statemachines/compile-pipelines.cjs')) as PipelinesResolver;
    });
    return { dir, resolver };
  } finally {
    delete process.env.SLUICE_PIPELINES_DIR;
  }
}

const definitions = () =>
  Object.fromEntries(readdirSync(path.join(ROOT, 'statemachines')).map((file) => [file, readFileSync(path.join(ROOT, 'statemachines', file), 'utf8')]));

describe('packaging the pipelines', () => {
  it('fails on a pipeline that does not validate, naming its file and the problem, and leaves statemachines/ alone', async () => {
    const before = definitions();
    const { dir, resolver } = resolverFor({
      'broken.yml': SHIPPED.replace('name: webapp', 'name: broken').replaceAll('inputArtifacts: [{ name: SiteOutput }]', 'inputArtifacts: [{ name: Nowhere }]'),
    });
    const failure = resolver.stateMachines({ resolveVariable });
    await expect(failure).rejects.toThrow(`${path.relative(ROOT, path.join(dir, 'broken.yml'))}: 2 problems`);
    await expect(failure).rejects.toThrow('stages[3].actions[0].inputArtifacts[0].name: No action produces an artifact named "Nowhere"');
    expect(definitions()).toEqual(before);
  });

  it('fails on pipelines that share a name, naming their files', async () => {
    const before = definitions();
    const { dir, resolver } = resolverFor({ 'a.yml': SHIPPED, 'b.yml': SHIPPED });
    const file = (name: string) => path.relative(ROOT, path.join(dir, name));
    await expect(resolver.stateMachines({ resolveVariable })).rejects.toThrow(`${file('a.yml')} and ${file('b.yml')} share the pipeline name webapp.`);
    expect(definitions()).toEqual(before);
  });

  it('fails on a pipeline whose name Step Functions refuses, naming its file and the name', async () => {
    const before = definitions();
    const { dir, resolver } = resolverFor({ 'c.yml': SHIPPED.replace('name: webapp', 'name: web.app') });
    await expect(resolver.stateMachines({ resolveVariable })).rejects.toThrow(
      `${path.relative(ROOT, path.join(dir, 'c.yml'))}: 1 problem\n  name: Pipeline name "web.app" cannot name a state machine on AWS`,
    );
    expect(definitions()).toEqual(before);
  });

  it('fails on shell text with ${, which CloudFormation would substitute, naming the pipeline, stage, action and field', async () => {
    const before = definitions();
    const { dir, resolver } = resolverFor({ 'shell.yml': SHIPPED.replace('- test -f index.html', '- test -f "${SITE_DIR}/index.html"') });
    const failure = resolver.stateMachines({ resolveVariable });
    await expect(failure).rejects.toThrow(`${path.relative(ROOT, path.join(dir, 'shell.yml'))}: the definition of pipeline webapp cannot be deployed:`);
    await expect(failure).rejects.toThrow(
      'pipeline webapp, stage Test, action SiteCheck, field commands[0]: "test -f \\"${SITE_DIR}/index.html\\"" holds "${", which CloudFormation\'s DefinitionSubstitutions would replace when the stack deploys. Write $NAME instead of ${NAME}',
    );
    expect(definitions()).toEqual(before);
  });
});
