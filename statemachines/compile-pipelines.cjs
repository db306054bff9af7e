// The state machines of the pipelines in pipelines/*.yml, for serverless.yml:
//   stepFunctions.stateMachines: ${file(statemachines/compile-pipelines.cjs):stateMachines}
//   resources.extensions:        ${file(statemachines/compile-pipelines.cjs):extensions}
//   resources (a second part):   ${file(statemachines/compile-pipelines.cjs):resources}
// Packaging compiles every pipeline with the built CLI into statemachines/<name>.asl.json, which
// is committed so that readers and asl-validator see what the stack deploys.
//
// serverless-step-functions validates `definition`, but it rewrites `#{...}` (CodePipeline's
// variable syntax, which the definition passes through to the handlers) into `${...}` of an
// Fn::Sub. So each state machine's DefinitionString is replaced by the file's exact text, and
// Step Functions' DefinitionSubstitutions fill in the function ARNs.
'use strict';
const { execFile } = require('node:child_process');
const { existsSync } = require('node:fs');
const { mkdtemp, readdir, readFile, rm, unlink, writeFile } = require('node:fs/promises');
const os = require('node:os');
const path = require('node:path');
const { promisify } = require('node:util');

const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'sluice.cjs');
// Only the failure tests point this elsewhere.
const PIPELINES_DIR = process.env.SLUICE_PIPELINES_DIR ? path.resolve(process.env.SLUICE_PIPELINES_DIR) : path.join(ROOT, 'pipelines');
const DEFINITION_SUFFIX = '.asl.json';
/**
 * Step Functions' longest state machine name. `sluice compile --runtime aws` refuses the names it
 * cannot take (`.` and `@`, which CodePipeline allows), and the definitions it would refuse.
 */
const MAX_NAME_LENGTH = 80;

/** A mistake in pipelines/ that fails packaging; osls prints the stack, which would only point here. */
class PipelinePackagingError extends Error {
  constructor(message) {
    super(message);
    this.name = 'PipelinePackagingError';
    this.stack = message;
  }
}

/** `my-web_app` -> `MyWebApp`, which the logical ids of the pipeline's resources start with. */
const idPrefix = (name) => name.split(/[-_]/).map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('');

/** Says which files declare pipelines that share a key. */
function clashes(pipelines, key, what) {
  const byKey = new Map();
  for (const pipeline of pipelines) byKey.set(key(pipeline), [...(byKey.get(key(pipeline)) ?? []), pipeline.file]);
  return [...byKey].filter(([, files]) => files.length > 1).map(([value, files]) => `${files.join(' and ')} share the ${what} ${value}.`);
}

/** Compiles every pipelines/*.yml and makes statemachines/ hold their definitions. */
async function compile(namePrefix) {
  if (!existsSync(PIPELINES_DIR)) throw new PipelinePackagingError(`${PIPELINES_DIR} is missing: the stack deploys a state machine for each pipelines/*.yml in it.`);
  const files = (await readdir(PIPELINES_DIR)).filter((file) => file.endsWith('.yml')).sort().map((file) => path.relative(ROOT, path.join(PIPELINES_DIR, file)));
  const pipelines = files.length > 0 ? await compileFiles(files, namePrefix) : [];
  await mirror(pipelines);
  return pipelines;
}

/** Runs `sluice compile --runtime aws` on the files; its problems, and names Step Functions cannot take, fail packaging. */
async function compileFiles(files, namePrefix) {
  if (!existsSync(CLI)) throw new PipelinePackagingError('dist/sluice.cjs is missing, and packaging compiles pipelines/ with it: run `npm run build`, then package again.');
  const out = await mkdtemp(path.join(os.tmpdir(), 'sluice-pipelines-'));
  try {
    let stdout;
    try {
      ({ stdout } = await promisify(execFile)(process.execPath, [CLI, 'compile', ...files, '--runtime', 'aws', '--out', out, '--json'], { cwd: ROOT, maxBuffer: 256 * 1024 * 1024 }));
    } catch (error) {
      throw new PipelinePackagingError(`The pipelines in ${path.relative(ROOT, PIPELINES_DIR)}/ do not compile (sluice compile exited ${error.code}):\n${(error.stderr || error.message).trim()}`);
    }
    const pipelines = JSON.parse(stdout).map(({ file, pipeline: name, definition, declaration }) => ({
      file,
      name,
      id: `${idPrefix(name)}StateMachine`,
      versionId: `${idPrefix(name)}StateMachineVersion`,
      registrationId: `${idPrefix(name)}Pipeline`,
      stateMachineName: `${namePrefix}${name}`,
      definition,
      declaration,
    }));
    const problems = [
      ...pipelines.filter(({ stateMachineName }) => stateMachineName.length > MAX_NAME_LENGTH).map(({ file, name, stateMachineName }) => `${file}: shorten pipeline name ${name}: its state machine name ${stateMachineName} is longer than Step Functions' ${MAX_NAME_LENGTH} characters.`),
      ...clashes(pipelines, ({ name }) => name, 'pipeline name'),
      // Pipelines of one name already clash; the ids of different names clash only through case, - or _.
      ...clashes([...new Map(pipelines.map((pipeline) => [pipeline.name, pipeline])).values()], ({ id }) => id, 'state machine id'),
    ];
    if (problems.length > 0) throw new PipelinePackagingError(`The pipelines cannot all be deployed:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
    for (const pipeline of pipelines) pipeline.text = await readFile(path.join(out, `${pipeline.name}${DEFINITION_SUFFIX}`), 'utf8');
    return pipelines;
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

/**
 * Makes statemachines/*.asl.json the compiled pipelines, no more and no fewer. Only what changed
 * is written, so that tests reading these files while a packaging runs see whole files.
 */
async function mirror(pipelines) {
  const wanted = new Map(pipelines.map((pipeline) => [`${pipeline.name}${DEFINITION_SUFFIX}`, pipeline.text]));
  for (const file of (await readdir(__dirname)).filter((file) => file.endsWith(DEFINITION_SUFFIX) && !wanted.has(file))) await unlink(path.join(__dirname, file));
  for (const [file, text] of wanted) {
    const target = path.join(__dirname, file);
    if (!existsSync(target) || (await readFile(target, 'utf8')) !== text) await writeFile(target, text);
  }
}

let compiled;
/** Both variables of one packaging share one compilation. */
async function shippedPipelines(resolveVariable) {
  compiled ??= resolveVariable('self:custom.engineEnvironment.STATE_MACHINE_NAME_PREFIX').then(compile);
  return compiled;
}

module.exports = {
  /** `stepFunctions.stateMachines`: each pipeline with custom.pipelineStateMachine's settings. */
  stateMachines: async ({ resolveVariable }) => {
    const settings = await resolveVariable('self:custom.pipelineStateMachine');
    const pipelines = await shippedPipelines(resolveVariable);
    return Object.fromEntries(pipelines.map(({ name, id, stateMachineName, definition }) => [name, { ...settings, id, name: stateMachineName, definition }]));
  },
  /** `resources.extensions`: each state machine's definition as its exact text, with the function ARNs to substitute. */
  extensions: async ({ resolveVariable }) => {
    const substitutions = await resolveVariable('self:custom.functionArnSubstitutions');
    const pipelines = await shippedPipelines(resolveVariable);
    return Object.fromEntries(pipelines.map(({ id, text }) => [id, { Properties: { DefinitionString: text, DefinitionSubstitutions: substitutions } }]));
  },
  /**
   * A part of `resources`: for each state machine, the version that each change of it publishes,
   * and the Custom::SluicePipeline (custom.pipelineRegistration's settings) that records the
   * pipeline with that version in the execution table, where executions are started from.
   */
  resources: async ({ resolveVariable }) => {
    const registration = await resolveVariable('self:custom.pipelineRegistration');
    const pipelines = await shippedPipelines(resolveVariable);
    return {
      Resources: Object.fromEntries(
        pipelines.flatMap(({ file, id, versionId, registrationId, declaration }) => [
          [
            versionId,
            {
              Type: 'AWS::StepFunctions::StateMachineVersion',
              // A replaced version stays, as the versions published at run time do: the executions
              // that run on it, and the pipeline versions recorded with it, still name it. Deleting
              // the state machine deletes every version.
              UpdateReplacePolicy: 'Retain',
              DeletionPolicy: 'Delete',
              Properties: { StateMachineArn: { Ref: id }, StateMachineRevisionId: { 'Fn::GetAtt': [id, 'StateMachineRevisionId'] } },
            },
          ],
          [
            registrationId,
            {
              Type: 'Custom::SluicePipeline',
              Properties: {
                ...registration,
                File: file,
                // CloudFormation would hand an object's numbers and booleans to the function as strings.
                Declaration: JSON.stringify(declaration),
                StateMachineArn: { Ref: id },
                VersionArn: { Ref: versionId },
              },
            },
          ],
        ]),
      ),
    };
  },
};
