// The exact text of each compiled definition, by pipeline name, for serverless.yml's
// `${file(statemachines/definition-text.cjs):<name>}`. serverless-step-functions rewrites `#{...}`
// (CodePipeline's variable syntax) into `${...}` inside an Fn::Sub, so the state machines take
// this text unchanged and Step Functions' DefinitionSubstitutions fill in the function ARNs.
const { readdirSync, readFileSync } = require('node:fs');
const path = require('node:path');

const SUFFIX = '.asl.json';

module.exports = () =>
  Object.fromEntries(
    readdirSync(__dirname)
      .filter((file) => file.endsWith(SUFFIX))
      .map((file) => [file.slice(0, -SUFFIX.length), readFileSync(path.join(__dirname, file), 'utf8')]),
  );
